// The policy list without a button press: a changed filter applies at once (the page says so
// beforehand), and empty fields stay out of the address. Without JavaScript the form works
// the same with its 查找 button.
(function () {
  "use strict";

  var form = document.querySelector("form.filters");
  if (!form) {
    return;
  }
  var fields = form.querySelectorAll("input, select");
  form.querySelectorAll("select").forEach(function (select) {
    select.addEventListener("change", function () { form.requestSubmit(); });
  });
  form.addEventListener("submit", function () {
    fields.forEach(function (field) { field.disabled = !field.value; });
  });
  // Coming back to the page (back button) must find every field usable again.
  window.addEventListener("pageshow", function () {
    fields.forEach(function (field) { field.disabled = false; });
  });
  form.querySelectorAll(".js-only").forEach(function (note) { note.hidden = false; });
}());
