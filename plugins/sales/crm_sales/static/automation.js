// Automation rule form: show only the settings of the chosen action (all stay visible without JS).
(function () {
  "use strict";
  function sync(form) {
    var select = form.querySelector("select[name=action]");
    if (!select) return;
    form.querySelectorAll(".sales-action").forEach(function (box) {
      box.hidden = box.getAttribute("data-action") !== select.value;
    });
  }
  function init() {
    document.querySelectorAll("[data-sales-rule-form]").forEach(function (form) {
      sync(form);
      form.addEventListener("change", function (event) {
        if (event.target && event.target.name === "action") sync(form);
      });
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
  document.addEventListener("htmx:afterSettle", init);
})();
