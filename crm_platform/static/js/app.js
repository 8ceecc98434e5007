/* crm_platform: the little JavaScript the pages need (the CSP forbids inline scripts).
 *
 * - <select data-autosubmit> submits its form when changed (the company switcher).
 * - <form data-confirm="Question?"> asks before submitting (htmx forms use hx-confirm).
 * - Toasts in #toasts (flash messages, htmx error fragments, HX-Trigger "toast")
 *   get a close button and disappear after ~5 seconds.
 * - HX-Trigger: {"toast": {"message": "Saved", "level": "success"}} shows a toast.
 * - htmx error responses: the server's error fragment is shown as a toast; a 5xx or a
 *   network failure without one shows a generic error toast.
 * - Keyboard and Escape support for the phone menu button and the user menu.
 * - Swapped-in content is bound by htmx at once, not when it settles 20 ms later, so a
 *   click or a submit that quick never reaches a button or a form htmx does not know yet.
 * Everything works without this file; it only adds comfort.
 */
(function () {
  "use strict";

  var TOAST_MS = 5000;
  var LEVELS = ["success", "error", "info", "warning"];

  function toastBox() {
    var box = document.getElementById("toasts");
    if (!box) {
      box = document.createElement("div");
      box.id = "toasts";
      box.className = "toasts";
      box.setAttribute("aria-live", "polite");
      document.body.appendChild(box);
    }
    return box;
  }

  function dismiss(toast) {
    if (!toast.isConnected || toast.classList.contains("is-leaving")) return;
    toast.classList.add("is-leaving");
    var remove = function () { toast.remove(); };
    toast.addEventListener("animationend", remove, { once: true });
    setTimeout(remove, 400); // in case animations are disabled
  }

  /** Give a toast its close button and its timer (once). */
  function arm(toast) {
    if (toast.dataset.armed) return;
    toast.dataset.armed = "1";
    var close = document.createElement("button");
    close.type = "button";
    close.className = "toast-close";
    close.setAttribute("aria-label", "Dismiss");
    close.textContent = "\u00d7";
    close.addEventListener("click", function () { dismiss(toast); });
    toast.appendChild(close);
    var timer = setTimeout(function () { dismiss(toast); }, TOAST_MS);
    // Keep it while the pointer or focus is on it, so it can be read.
    toast.addEventListener("mouseenter", function () { clearTimeout(timer); });
    toast.addEventListener("focusin", function () { clearTimeout(timer); });
    toast.addEventListener("mouseleave", function () { timer = setTimeout(function () { dismiss(toast); }, TOAST_MS); });
  }

  function armAll() {
    toastBox().querySelectorAll(".toast").forEach(arm);
  }

  /** Show a toast. level: success | error | info | warning. */
  function showToast(message, level) {
    if (LEVELS.indexOf(level) < 0) level = "info";
    var toast = document.createElement("div");
    toast.className = "toast toast-" + level;
    toast.setAttribute("role", level === "error" ? "alert" : "status");
    toast.textContent = String(message);
    toastBox().appendChild(toast);
    arm(toast);
    return toast;
  }

  /** The server's error fragment (a .toast) from an htmx error response, if any. */
  function errorFragment(xhr) {
    if (!xhr || !xhr.responseText || (xhr.getResponseHeader("Content-Type") || "").indexOf("text/html") < 0) return [];
    var doc = new DOMParser().parseFromString(xhr.responseText, "text/html");
    return Array.prototype.slice.call(doc.querySelectorAll("body > .toast"));
  }

  function closeNav() {
    var toggle = document.getElementById("nav-toggle");
    if (toggle) toggle.checked = false;
  }

  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el.matches && el.matches("select[data-autosubmit]") && el.form) {
      if (el.form.requestSubmit) el.form.requestSubmit(); else el.form.submit();
    }
  });

  // <form data-confirm="Really?">: ask before a plain (non-htmx) form is sent.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) event.preventDefault();
  });

  // The menu button is a <label>: make Enter and Space toggle it like a button.
  document.addEventListener("keydown", function (event) {
    var el = event.target;
    if ((event.key === "Enter" || event.key === " ") && el.classList && el.classList.contains("menu-button")) {
      event.preventDefault();
      var toggle = document.getElementById(el.getAttribute("for"));
      if (!toggle) return;
      toggle.checked = !toggle.checked;
      var first = document.querySelector(".sidebar a");
      if (toggle.checked && first) first.focus(); // the drawer comes before the button
    }
    if (event.key === "Escape") {
      var nav = document.getElementById("nav-toggle");
      var button = document.querySelector(".menu-button");
      if (nav && nav.checked && button) button.focus();
      closeNav();
      document.querySelectorAll("details.user-menu[open]").forEach(function (d) { d.open = false; });
    }
  });

  // A click outside the user menu closes it.
  document.addEventListener("click", function (event) {
    document.querySelectorAll("details.user-menu[open]").forEach(function (d) {
      if (!d.contains(event.target)) d.open = false;
    });
  });

  // HX-Trigger: {"toast": {...}} (htmx fires it on the element that made the request).
  document.addEventListener("toast", function (event) {
    var d = event.detail || {};
    if (d.message || d.value) showToast(d.message || d.value, d.level);
  });

  document.addEventListener("htmx:responseError", function (event) {
    var xhr = event.detail.xhr;
    var parts = errorFragment(xhr);
    if (parts.length) {
      parts.forEach(function (part) { toastBox().appendChild(document.adoptNode(part)); });
      armAll();
    } else if (xhr.status >= 500) {
      showToast("Something went wrong on the server (" + xhr.status + "). Please try again.", "error");
    } else {
      showToast("The request failed (" + xhr.status + ").", "error");
    }
  });

  // htmx binds new content in its settle step; binding it on afterSwap closes the gap
  // (processing is idempotent, so the settle step then has nothing left to do).
  document.addEventListener("htmx:afterSwap", function (event) {
    if (window.htmx && event.target instanceof Element && event.target.isConnected) window.htmx.process(event.target);
  });

  document.addEventListener("htmx:sendError", function () {
    showToast("The server could not be reached. Check your connection and try again.", "error");
  });

  document.addEventListener("DOMContentLoaded", function () {
    armAll();
    // Toasts swapped in by htmx (out-of-band or via HX-Retarget) get armed too.
    new MutationObserver(armAll).observe(toastBox(), { childList: true });
    // Following a sidebar link on a phone closes the drawer (back/forward cache).
    window.addEventListener("pageshow", closeNav);
  });

  window.crm = { toast: showToast };
})();
