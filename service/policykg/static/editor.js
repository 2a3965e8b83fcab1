// The SPARQL editor: YASGUI over this service's /sparql, one tab per canned query, completion
// of our own prefixes, classes and properties (/api/vocabulary), the Chinese name beside each
// of our IRIs in result tables (/api/labels), and plain Chinese messages for errors and
// timeouts. Without JavaScript (or YASGUI) the page keeps its plain query form.
(function () {
  "use strict";

  var root = document.getElementById("editor");
  if (!root || !window.Yasgui) {
    return;
  }
  var Yasgui = window.Yasgui;
  var Yasqe = Yasgui.Yasqe;
  var Yasr = Yasgui.Yasr;
  var tabs = JSON.parse(document.getElementById("editor-tabs").textContent);
  var endpoint = new URL(root.dataset.endpoint, window.location.href).href;
  var base = root.dataset.base;
  var alertBox = root.querySelector(".editor-error");
  var status = root.querySelector(".editor-status");
  var names = new Map(); // IRI → Chinese name, or null when it has none
  var LABELS_PER_REQUEST = 100;
  var TITLES = {
    400: "查询有误",
    403: "不允许的操作",
    406: "无法提供所要求的格式",
    413: "查询太长",
    503: "查询服务暂时不可用",
    504: "查询超时"
  };
  var HINTS = {
    400: "请检查语法（前缀是否声明、括号是否成对），修改后再运行。",
    504: "请缩小查询范围（例如加上 LIMIT 或更具体的条件）后再试。"
  };

  function escapeHtml(text) {
    var span = document.createElement("span");
    span.textContent = text;
    return span.innerHTML;
  }

  // --- Names beside IRIs -------------------------------------------------------------------

  function unnamed(results) {
    var wanted = new Set();
    (results && results.getBindings ? results.getBindings() || [] : []).forEach(function (row) {
      Object.keys(row).forEach(function (name) {
        var term = row[name];
        if (term.type === "uri" && term.value.indexOf(base) === 0 && !names.has(term.value)) {
          wanted.add(term.value);
        }
      });
    });
    return Array.from(wanted);
  }

  function fetchNames(iris) {
    var batches = [];
    for (var start = 0; start < iris.length; start += LABELS_PER_REQUEST) {
      var batch = iris.slice(start, start + LABELS_PER_REQUEST);
      var query = new URLSearchParams();
      batch.forEach(function (iri) { query.append("iri", iri); });
      batches.push(fetch(root.dataset.labels + "?" + query.toString())
        .then(function (response) { return response.ok ? response.json() : { labels: {} }; })
        .then(function (body) {
          return { asked: this, found: body.labels || {} };
        }.bind(batch)));
    }
    return Promise.all(batches).then(function (answers) {
      answers.forEach(function (answer) {
        answer.asked.forEach(function (iri) { names.set(iri, answer.found[iri] || null); });
      });
    });
  }

  function localPath(iri) {
    return iri.indexOf(base) === 0 ? "/" + iri.slice(base.length) : iri;
  }

  class NamedTable extends Yasr.plugins.table {
    getCellContent(binding, prefixes) {
      var html = super.getCellContent(binding, prefixes);
      var name = binding.type === "uri" ? names.get(binding.value) : null;
      if (!name) {
        return html;
      }
      var label = '<a class="iri-label" href="' + escapeHtml(localPath(binding.value)) + '">' +
        escapeHtml(name) + "</a>";
      return html.replace(/^<div>/, "<div>" + label); // first, so that it shows in ellipsed cells
    }

    draw(config) {
      super.draw(config);
      var missing = unnamed(this.yasr.results);
      if (missing.length) {
        var table = this;
        fetchNames(missing).then(function () { NamedTable.prototype.redraw.call(table, config); });
      }
    }

    redraw(config) {
      if (this.yasr.results && !unnamed(this.yasr.results).length) {
        super.draw(config);
      }
    }
  }

  // --- Errors and timeouts in plain words ------------------------------------------------------

  function explain(error) {
    var body = null;
    try {
      body = JSON.parse(error.text);
    } catch (ignored) {
      body = null;
    }
    var code = (body && body.status) || error.status;
    var title = TITLES[code] || (code ? "查询失败（" + code + "）" : "无法连接查询服务");
    var message = body && body.error ? body.error : (error.text || "请检查网络连接后再试。");
    var box = document.createElement("div");
    box.className = "query-error";
    var heading = document.createElement("strong");
    heading.textContent = title;
    var detail = document.createElement("p");
    detail.textContent = message;
    box.appendChild(heading);
    box.appendChild(detail);
    if (HINTS[code]) {
      var hint = document.createElement("p");
      hint.textContent = HINTS[code];
      box.appendChild(hint);
    }
    alertBox.textContent = title + "：" + message;
    alertBox.hidden = false;
    return Promise.resolve(box);
  }

  // --- Completion of our own vocabulary ------------------------------------------------------

  function completers(vocabulary) {
    var shown = new Map(); // text put into the editor → the IRI it stands for
    vocabulary.classes.concat(vocabulary.properties).forEach(function (term) {
      if (term.label) {
        names.set(term.iri, term.label);
      }
    });
    function named(from) {
      var original = Yasqe.Autocompleters[from];
      return {
        bulk: true,
        persistenceId: null,
        postProcessSuggestion: function (yasqe, token, suggestion) {
          var text = original.postProcessSuggestion(yasqe, token, suggestion);
          shown.set(text, suggestion);
          return text;
        },
        postprocessHints: function (yasqe, hints) {
          hints.forEach(function (hint) {
            var name = names.get(shown.get(hint.text));
            if (name) {
              hint.displayText = hint.text + "  " + name;
            }
          });
          return hints;
        }
      };
    }
    var prefixes = Object.keys(vocabulary.prefixes).map(function (name) {
      return name + ": <" + vocabulary.prefixes[name] + ">";
    });
    Yasqe.forkAutocompleter("prefixes", { name: "ourPrefixes", get: prefixes, persistenceId: null }, false);
    Yasqe.forkAutocompleter("class", Object.assign(named("class"), {
      name: "ourClasses",
      get: vocabulary.classes.map(function (term) { return term.iri; })
    }), false);
    Yasqe.forkAutocompleter("property", Object.assign(named("property"), {
      name: "ourProperties",
      get: vocabulary.properties.map(function (term) { return term.iri; })
    }), false);
    return ["variables", "ourPrefixes", "ourClasses", "ourProperties"];
  }

  // --- YASGUI's markup, made accessible -------------------------------------------------------
  // YASGUI draws its tabs as an ARIA tablist that also holds its "+" button, points every tab
  // at a panel that exists only while that tab is open, and leaves its inputs unnamed. After
  // each of its redraws the tabs become a group of plain links (the open one aria-current),
  // each panel a region named by its link, and every input gets a name.

  function set(element, name, value) {
    if (value === null) {
      element.removeAttribute(name);
    } else if (element.getAttribute(name) !== value) {
      element.setAttribute(name, value);
    }
  }

  function mend(host) {
    host.querySelectorAll(".tabsList").forEach(function (list) {
      set(list, "role", "group");
      set(list, "aria-label", "查询标签页");
    });
    host.querySelectorAll(".tabsList .tab > a").forEach(function (link) {
      set(link, "role", null);
      set(link, "aria-controls", null);
      set(link, "aria-selected", null);
      set(link, "aria-current", link.parentNode.classList.contains("active") ? "true" : null);
    });
    host.querySelectorAll(".tabsList .tab input").forEach(function (input) {
      set(input, "aria-label", "标签页名称");
    });
    host.querySelectorAll(".tabPanel").forEach(function (panel) {
      set(panel, "role", "region");
    });
    host.querySelectorAll("input.autocomplete").forEach(function (input) {
      set(input, "aria-label", "查询接口地址");
    });
    host.querySelectorAll("ul[id='']").forEach(function (list) {
      set(list, "id", null);
    });
    host.querySelectorAll(".tabMenu .selector").forEach(function (selector) {
      var label = selector.querySelector(".selectorLabel");
      var select = selector.querySelector("select");
      if (label && select) {
        set(select, "aria-label", label.textContent);
      }
    });
    host.querySelectorAll("select.tableSizer").forEach(function (select) {
      set(select, "aria-label", "每页行数");
    });
    host.querySelectorAll(".yasr thead th").forEach(function (cell) {
      if (!cell.textContent.trim()) {
        var name = document.createElement("span");
        name.className = "sr-only";
        name.textContent = "序号";
        cell.appendChild(name);
      }
    });
    host.querySelectorAll(".CodeMirror textarea").forEach(function (input) {
      set(input, "aria-label", "SPARQL 查询");
      set(input, "aria-describedby", "editor-keys");
    });
  }

  function keepMended(host) {
    mend(host);
    new MutationObserver(function () { mend(host); }).observe(host, {
      childList: true,
      subtree: true,
      attributes: true,
      attributeFilter: ["role", "class", "aria-selected", "aria-controls", "id"]
    });
  }

  // Tab and Shift+Tab move the focus out of the code, as everywhere else on the page (the
  // stock editor indents with them, which traps a keyboard user); Ctrl+] and Ctrl+[ indent.
  // The editor grows with its query instead of scrolling inside itself.
  function configureEditor() {
    Yasqe.defaults.extraKeys.Tab = false;
    Yasqe.defaults.extraKeys["Shift-Tab"] = false;
    Yasqe.defaults.editorHeight = "auto";
    Yasqe.defaults.resizeable = false;
    Yasqe.defaults.viewportMargin = Infinity;
  }

  // --- The editor -----------------------------------------------------------------------------

  function start(enabled) {
    // In place: YASGUI's defaults hold this very array. The stock class and property
    // completers ask lov.linkeddata.es, which this page may not reach (and need not).
    Yasqe.defaults.autocompleters.splice(0, Yasqe.defaults.autocompleters.length);
    enabled.forEach(function (name) { Yasqe.defaults.autocompleters.push(name); });
    configureEditor();
    Yasr.registerPlugin("table", NamedTable);
    Yasr.defaults.errorRenderers = [explain];

    var host = document.createElement("div");
    host.className = "yasgui-host";
    root.insertBefore(host, alertBox.nextSibling);
    keepMended(host);
    root.querySelector(".editor-fallback").hidden = true;
    document.getElementById("editor-keys").hidden = false;
    var yasgui = new Yasgui(host, {
      requestConfig: { endpoint: endpoint, method: "POST" },
      endpointCatalogueOptions: { getData: function () { return [{ endpoint: endpoint }]; } },
      copyEndpointOnNewTab: true,
      persistenceId: null,
      populateFromUrl: false,
      autoAddOnInit: false,
      autofocus: false,
      yasqe: { value: tabs[0].query },
      yasr: { prefixes: {} }
    });
    tabs.forEach(function (tab, index) {
      yasgui.addTab(index === 0, {
        name: tab.title,
        yasqe: { value: tab.query },
        requestConfig: { endpoint: endpoint }
      });
    });
    yasgui.on("query", function () {
      alertBox.hidden = true;
      alertBox.textContent = "";
      status.textContent = "正在查询…";
    });
    yasgui.on("queryResponse", function () {
      status.textContent = ""; // YASR's own header tells how many rows, and how fast
    });
    root.classList.add("editor-ready");
  }

  fetch(root.dataset.vocabulary)
    .then(function (response) { return response.ok ? response.json() : null; })
    .then(function (vocabulary) { start(vocabulary ? completers(vocabulary) : ["variables"]); })
    .catch(function () { start(["variables"]); });
}());
