// Live count and the copy-link button. The page works without this file: the count is
// correct at every reload and the link can be copied from its text box.
(function () {
  "use strict";
  var article = document.querySelector("[data-count-url]");
  var countEl = document.querySelector("[data-count]");
  var goalEl = document.querySelector("[data-goal]");
  var progressEl = document.querySelector("[data-progress]");
  var format = new Intl.NumberFormat(document.documentElement.lang || "en");

  function refresh() {
    if (!article || document.hidden) return;
    fetch(article.getAttribute("data-count-url"), { headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data) return;
        if (countEl) countEl.textContent = format.format(data.count);
        if (goalEl) goalEl.textContent = format.format(data.goal);
        if (progressEl) { progressEl.max = data.goal; progressEl.value = Math.min(data.count, data.goal); }
      })
      .catch(function () { /* offline for a moment: the next tick tries again */ });
  }
  if (article) { window.setInterval(refresh, 3000); }

  document.querySelectorAll("[data-copy]").forEach(function (button) {
    var input = document.querySelector(button.getAttribute("data-copy"));
    if (!input || !navigator.clipboard) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(input.value).then(function () {
        button.textContent = button.getAttribute("data-copied") || "Copied";
      });
    });
  });
})();
