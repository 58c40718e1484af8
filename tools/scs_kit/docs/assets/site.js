/* scs-kit docs: API base from the page's origin, sample tabs, "Run" buttons, the query-route
   builder and offline search. No dependencies; works from http(s) and from file://. */
(function () {
  "use strict";
  var body = document.body;
  var DEFAULT_BASE = body.dataset.defaultBase;
  var DEFAULT_ORIGIN = DEFAULT_BASE.replace(/^(https?:\/\/[^/]+).*$/, "$1");

  // Served over http(s) (the reference server serves this site at /docs/): call the same origin.
  // Opened from disk: show the vendor's default, http://localhost:55963/...
  function apiBase() {
    if (/^https?:$/.test(location.protocol)) return location.origin + body.dataset.basePath;
    return DEFAULT_BASE;
  }

  function rewriteSamples() {
    if (apiBase() === DEFAULT_BASE) return;
    var origin = location.origin;
    document.querySelectorAll("pre.code code, code.url, code.api-base").forEach(function (el) {
      var walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
      for (var node = walker.nextNode(); node; node = walker.nextNode()) {
        if (node.nodeValue.indexOf(DEFAULT_ORIGIN) !== -1) node.nodeValue = node.nodeValue.split(DEFAULT_ORIGIN).join(origin);
      }
    });
  }

  function storage(key, value) {
    try {
      if (value === undefined) return localStorage.getItem(key);
      localStorage.setItem(key, value);
    } catch (e) { /* file:// or private mode: no persistence */ }
    return null;
  }

  // Tabs: choosing a client on one sample switches every sample on the page (and is remembered).
  function selectTab(lexer) {
    document.querySelectorAll("[data-tabs]").forEach(function (group) {
      if (!group.querySelector('[data-tab="' + lexer + '"]')) return;
      group.querySelectorAll("[data-tab]").forEach(function (b) { b.setAttribute("aria-selected", String(b.dataset.tab === lexer)); });
      group.querySelectorAll("[data-panel]").forEach(function (p) { p.hidden = p.dataset.panel !== lexer; });
    });
  }
  document.addEventListener("click", function (ev) {
    var tab = ev.target.closest("[data-tab]");
    if (tab) { selectTab(tab.dataset.tab); storage("scs-tab", tab.dataset.tab); }
  });

  // Copy the visible sample of a tab group (clipboard API where allowed, else a selection + execCommand).
  function copyText(text, button) {
    var label = button.innerHTML;
    var done = function () { button.textContent = "コピーしました Copied"; setTimeout(function () { button.innerHTML = label; }, 1500); };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, function () {});
      return;
    }
    var area = document.createElement("textarea");
    area.value = text;
    document.body.appendChild(area);
    area.select();
    try { document.execCommand("copy"); done(); } catch (e) { /* nothing more we can do */ }
    area.remove();
  }
  document.querySelectorAll("[data-tabs] .tab-bar").forEach(function (bar) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "copy";
    button.textContent = "コピー Copy";
    button.addEventListener("click", function () {
      var panel = bar.parentElement.querySelector("[data-panel]:not([hidden]) code");
      if (panel) copyText(panel.textContent, button);
    });
    bar.appendChild(button);
  });

  function show(out, text, ok) {
    out.hidden = false;
    out.classList.toggle("bad", !ok);
    out.textContent = text;
  }

  function runGet(path, out) {
    var url = apiBase() + path;
    show(out, "GET " + url + " …", true);
    return fetch(url, { method: "GET", headers: { "Accept": "application/json" } })
      .then(function (response) {
        return response.text().then(function (text) {
          var pretty = text;
          try { pretty = JSON.stringify(JSON.parse(text), null, 2); } catch (e) { /* not JSON: show as is */ }
          show(out, "GET " + url + "\n" + response.status + " " + response.statusText + "\n\n" + pretty, response.ok);
          out.dataset.status = String(response.status);
        });
      })
      .catch(function (error) {
        show(out, "GET " + url + "\n" + error + "\n(サービスに接続できません / the service is not reachable from this page)", false);
        out.dataset.status = "error";
      });
  }

  document.querySelectorAll("button.run").forEach(function (button) {
    button.addEventListener("click", function () {
      runGet(button.dataset.path, button.parentElement.querySelector(".output"));
    });
  });

  // The query-route builder: /{TOP}/{DESCENDING}/{K_ID}/{FROM} from the form's fields.
  var form = document.getElementById("query-builder");
  if (form) {
    var urlEl = document.getElementById("query-url");
    var errEl = document.getElementById("query-error");
    var compose = function () {
      var bad = [];
      var path = form.dataset.template.replace(/\{([^}]+)\}/g, function (_, name) {
        var field = form.elements[name];
        var value = field ? field.value.trim() : "";
        if (!field || !field.checkValidity() || value === "") bad.push(name);
        return encodeURIComponent(value).replace(/%26/g, "&");
      });
      urlEl.textContent = apiBase() + path;
      errEl.hidden = bad.length === 0;
      errEl.textContent = bad.length ? "値を確認してください (check): " + bad.join(", ") : "";
      return bad.length ? null : path;
    };
    form.addEventListener("input", compose);
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var path = compose();
      if (path) runGet(path, form.querySelector(".output"));
    });
    form.querySelector(".copy-query").addEventListener("click", function () {
      copyText(urlEl.textContent, form.querySelector(".copy-query"));
    });
    compose();
  }

  // Search: a substring match over the index in assets/search-index.js (works for Japanese without
  // word segmentation, and offline from file:// because the index is a script, not a fetched file).
  var input = document.getElementById("search");
  var list = document.getElementById("search-results");
  var index = window.SCS_SEARCH || [];
  function search(query) {
    var terms = query.toLowerCase().split(/\s+/).filter(Boolean);
    if (!terms.length) return [];
    var hits = [];
    index.forEach(function (entry) {
      var head = (entry.t + " " + entry.s).toLowerCase();
      var text = entry.x.toLowerCase();
      var score = 0;
      for (var i = 0; i < terms.length; i++) {
        var inHead = head.indexOf(terms[i]) !== -1;
        var at = text.indexOf(terms[i]);
        if (!inHead && at === -1) return;
        score += inHead ? 10 : 1;
      }
      hits.push({ entry: entry, score: score, at: text.indexOf(terms[0]) });
    });
    hits.sort(function (a, b) { return b.score - a.score; });
    return hits.slice(0, 20);
  }
  function render(hits, query) {
    list.innerHTML = "";
    list.hidden = !query;
    if (!hits.length && query) {
      var none = document.createElement("li");
      none.className = "none";
      none.textContent = "見つかりません (no results)";
      list.appendChild(none);
    }
    hits.forEach(function (hit) {
      var li = document.createElement("li");
      var a = document.createElement("a");
      a.href = hit.entry.u;
      var title = document.createElement("strong");
      title.textContent = hit.entry.s + " — " + hit.entry.t;
      var snippet = document.createElement("span");
      var from = Math.max(0, hit.at - 30);
      snippet.textContent = hit.at >= 0 ? (from ? "…" : "") + hit.entry.x.substr(from, 110) + "…" : hit.entry.x.substr(0, 110);
      a.appendChild(title);
      a.appendChild(snippet);
      li.appendChild(a);
      list.appendChild(li);
    });
  }
  if (input) {
    input.addEventListener("input", function () { render(search(input.value), input.value.trim()); });
    input.addEventListener("keydown", function (ev) {
      if (ev.key === "Escape") { input.value = ""; render([], ""); }
      if (ev.key === "Enter") { var first = list.querySelector("a"); if (first) location.href = first.href; }
    });
    document.addEventListener("keydown", function (ev) {
      if (ev.key === "/" && document.activeElement.tagName !== "INPUT" && document.activeElement.tagName !== "TEXTAREA") {
        ev.preventDefault();
        input.focus();
      }
    });
    document.addEventListener("click", function (ev) { if (!ev.target.closest(".search")) list.hidden = true; });
  }

  rewriteSamples();
  var saved = storage("scs-tab");
  if (saved) selectTab(saved);
  window.scsDocs = { apiBase: apiBase, search: search };
})();
