/* People list comfort (the CSP forbids inline scripts; everything works without this file):
 * - "select all on this page" checkbox and the sticky bulk bar, shown while rows are selected;
 * - undo toasts stay 45 seconds (other toasts use app.js's timer) and get a close button.
 */
(function () {
  "use strict";

  var UNDO_MS = 45000;

  function boxes(root) { return Array.prototype.slice.call(root.querySelectorAll('input[name="ids"]')); }

  function refresh() {
    var form = document.getElementById("bulk-form");
    if (!form) return;
    var all = boxes(form);
    var chosen = all.filter(function (b) { return b.checked; });
    var bar = form.querySelector("[data-bulk-bar]");
    var count = form.querySelector("[data-bulk-count]");
    var master = form.querySelector("[data-select-all]");
    if (bar) bar.classList.toggle("is-idle", chosen.length === 0);
    if (count) count.textContent = chosen.length + (chosen.length === 1 ? " person selected" : " people selected");
    if (master) {
      master.checked = all.length > 0 && chosen.length === all.length;
      master.indeterminate = chosen.length > 0 && chosen.length < all.length;
    }
  }

  document.addEventListener("change", function (event) {
    var el = event.target;
    if (!el.matches) return;
    if (el.matches("[data-select-all]")) {
      boxes(el.form || document).forEach(function (b) { b.checked = el.checked; });
    }
    if (el.matches("[data-select-all], #bulk-form input[name='ids']")) refresh();
  });

  function armUndo() {
    document.querySelectorAll("[data-undo-toast]:not([data-undo-armed])").forEach(function (toast) {
      toast.setAttribute("data-undo-armed", "1");
      var close = document.createElement("button");
      close.type = "button";
      close.className = "toast-close";
      close.setAttribute("aria-label", "Dismiss");
      close.textContent = "×";
      close.addEventListener("click", function () { toast.remove(); });
      toast.appendChild(close);
      setTimeout(function () { toast.remove(); }, UNDO_MS);
    });
  }

  document.addEventListener("htmx:afterSettle", function () { refresh(); armUndo(); });
  document.addEventListener("htmx:oobAfterSwap", armUndo);
  // Undo done: the toast goes (after htmx has fired the response's toast event from it).
  document.addEventListener("htmx:afterRequest", function (event) {
    var toast = event.target.closest && event.target.closest("[data-undo-toast]");
    if (toast && event.detail.successful) toast.remove();
  });
  document.addEventListener("DOMContentLoaded", function () { refresh(); armUndo(); });
})();
