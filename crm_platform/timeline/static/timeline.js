/* Timeline: @mention suggestions in the composer (the CSP forbids inline scripts).
 *
 * Typing "@" and a few letters in a textarea with data-mentions="<url>" asks the server
 * (htmx.ajax, GET <url>?q=letters) for matching colleagues and shows them in the
 * listbox named by aria-controls. ArrowUp/ArrowDown move, Enter or Tab picks, Escape
 * closes; a click picks too. The pick is written as the stable token
 * "@[Full Name](user:12)", which the server turns into a mention and a notification.
 * Without this file the composer still works: type the token by hand, or none.
 *
 * Also: <input type="checkbox" data-autosubmit> submits its form when changed (feed filters).
 */
(function () {
  "use strict";

  var TRIGGER = /(^|[\s(])@([^\s@\[\]()]{0,30})$/;
  var timer = null;

  function state(area) {
    var list = document.getElementById(area.getAttribute("aria-controls"));
    return list ? { area: area, list: list } : null;
  }

  function query(area) {
    var before = area.value.slice(0, area.selectionStart);
    var match = TRIGGER.exec(before);
    return match ? { term: match[2], start: before.length - match[2].length - 1 } : null;
  }

  function options(list) {
    return Array.prototype.slice.call(list.querySelectorAll(".mention-option"));
  }

  function close(s) {
    s.list.hidden = true;
    s.list.innerHTML = "";
    s.area.setAttribute("aria-expanded", "false");
    s.area.removeAttribute("aria-activedescendant");
  }

  function select(s, index) {
    var items = options(s.list);
    if (!items.length) return;
    index = (index + items.length) % items.length;
    items.forEach(function (item, i) { item.setAttribute("aria-selected", i === index ? "true" : "false"); });
    s.area.setAttribute("aria-activedescendant", items[index].id);
    items[index].scrollIntoView({ block: "nearest" });
  }

  function current(s) {
    var items = options(s.list);
    for (var i = 0; i < items.length; i++) if (items[i].getAttribute("aria-selected") === "true") return i;
    return items.length ? 0 : -1;
  }

  function pick(s, item) {
    var q = query(s.area);
    if (!q || !item) return close(s);
    var name = (item.getAttribute("data-name") || "").replace(/[\[\]\n\r]+/g, " ").trim();
    var token = "@[" + name + "](user:" + item.getAttribute("data-user-id") + ") ";
    var value = s.area.value;
    var end = s.area.selectionStart;
    s.area.value = value.slice(0, q.start) + token + value.slice(end);
    var caret = q.start + token.length;
    s.area.setSelectionRange(caret, caret);
    close(s);
    s.area.focus();
  }

  function suggest(area) {
    var s = state(area);
    if (!s) return;
    var q = query(area);
    if (!q || !window.htmx) return close(s);
    window.htmx.ajax("GET", area.getAttribute("data-mentions"), { target: s.list, swap: "innerHTML", values: { q: q.term }, source: s.list })
      .then(function () {
        if (!query(area)) return close(s);
        s.list.hidden = !s.list.children.length;
        area.setAttribute("aria-expanded", s.list.hidden ? "false" : "true");
        if (!s.list.hidden) select(s, 0);
      });
  }

  document.addEventListener("input", function (event) {
    var area = event.target;
    if (!area.matches || !area.matches("textarea[data-mentions]")) return;
    clearTimeout(timer);
    timer = setTimeout(function () { suggest(area); }, 150);
  });

  document.addEventListener("keydown", function (event) {
    var area = event.target;
    if (!area.matches || !area.matches("textarea[data-mentions]")) return;
    var s = state(area);
    if (!s || s.list.hidden) return;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      select(s, current(s) + (event.key === "ArrowDown" ? 1 : -1));
    } else if (event.key === "Enter" || event.key === "Tab") {
      var items = options(s.list);
      if (!items.length) return close(s);
      event.preventDefault();
      pick(s, items[current(s)]);
    } else if (event.key === "Escape") {
      event.preventDefault();
      event.stopPropagation();
      close(s);
    }
  }, true);

  // mousedown (not click) so the textarea keeps its caret position.
  document.addEventListener("mousedown", function (event) {
    var item = event.target.closest && event.target.closest(".mention-option");
    if (!item) return;
    var list = item.closest(".mention-list");
    var area = list && document.querySelector('textarea[aria-controls="' + list.id + '"]');
    if (!area) return;
    event.preventDefault();
    pick(state(area), item);
  });

  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el.matches && el.matches("input[type=checkbox][data-autosubmit]") && el.form) {
      if (el.form.requestSubmit) el.form.requestSubmit(); else el.form.submit();
    }
  });

  document.addEventListener("focusout", function (event) {
    var area = event.target;
    if (!area.matches || !area.matches("textarea[data-mentions]")) return;
    setTimeout(function () { var s = state(area); if (s && document.activeElement !== area) close(s); }, 150);
  });
})();
