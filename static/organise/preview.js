// Live preview of a petition while its organiser types, with the open petitions that may
// already ask for the same and the short address it would get. The form works without this file: "Save draft and preview"
// saves the draft and shows the same preview and the same similar petitions.
(function () {
  "use strict";
  var DELAY_MS = 300;
  var FIELDS = [
    "csrfmiddlewaretoken", "title", "summary", "statement", "decision_maker",
    "proposed_name", "proposed_title", "slug",
  ];

  var form = document.querySelector("form[data-preview-url]");
  var pane = document.querySelector("[data-live-preview]");
  var body = pane && pane.querySelector("[data-live-preview-body]");
  if (!form || !body || !window.fetch || !window.URLSearchParams) return;

  var url = form.getAttribute("data-preview-url");
  var timer = null;
  var controller = null;
  var sent = null;      // the fields of the latest request, to skip asking twice
  var shown = null;     // the fragment on screen, to leave the page alone when it is the same

  function fields() {
    var params = new URLSearchParams();
    FIELDS.forEach(function (name) {
      var field = form.elements.namedItem(name);
      if (field && "value" in field) params.append(name, field.value);
    });
    return params;
  }

  function show(html) {
    if (html === shown) return;
    shown = html;
    // The fragment is the server's own rendering, escaped and sanitised there.
    body.innerHTML = html;
    if (pane.hidden) {
      pane.hidden = false;
      var drafting = form.closest("[data-drafting]");
      if (drafting) drafting.classList.add("with-preview");
    }
  }

  function failed() {
    var message = document.createElement("p");
    message.className = "notice error-summary";
    message.setAttribute("role", "alert");
    message.textContent = pane.getAttribute("data-failed");
    shown = null;
    body.replaceChildren(message);
  }

  function refresh() {
    timer = null;
    var params = fields();
    var key = params.toString();
    if (key === sent) return;
    sent = key;
    if (controller) controller.abort();
    controller = window.AbortController ? new AbortController() : null;
    var mine = controller;
    fetch(url, {
      method: "POST",
      body: params,
      credentials: "same-origin",
      // A login page after a lapsed session is not a preview.
      redirect: "manual",
      headers: { Accept: "text/html" },
      signal: mine ? mine.signal : undefined,
    })
      .then(function (response) {
        // 200: the preview; 400 and 409: why there is none, said in the fragment.
        if (response.status === 200 || response.status === 400 || response.status === 409) {
          return response.text();
        }
        throw new Error("preview answered " + response.status);
      })
      .then(function (html) {
        if (mine === controller) show(html);
      })
      .catch(function (error) {
        if (error && error.name === "AbortError") return;
        if (mine !== controller) return;
        sent = null; // let the next keystroke try again
        failed();
      });
  }

  function later() {
    if (timer !== null) window.clearTimeout(timer);
    timer = window.setTimeout(refresh, DELAY_MS);
  }

  form.addEventListener("input", later);
  form.addEventListener("change", later);
  refresh();
})();
