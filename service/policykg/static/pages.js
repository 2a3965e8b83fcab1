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

// The eligibility check: a button that prints the answer (without JavaScript the browser's own
// print command gives the same page: the print stylesheet leaves out the questions and the
// navigation), and the focus on the step's first question so the keyboard can go on at once.
(function () {
  "use strict";

  document.querySelectorAll(".match-result button.print").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });
  var step = document.querySelector("form.questionnaire");
  if (step && document.querySelector("section.answered")) {
    var first = step.querySelector("input:not([type=hidden]), select");
    if (first) {
      first.focus({ preventScroll: false });
    }
  }
}());
