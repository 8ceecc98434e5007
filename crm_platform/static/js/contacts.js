/* crm_platform contacts: rows of the person form and click-to-edit fields (no inline script).
 *
 * - [data-add-row="emails"] clones <template id="emails-template"> into #emails-rows,
 *   replacing __index__ with the next free index; [data-remove-row] removes its row.
 * - Tag inputs (list="tag-suggestions") suggest existing tags for the word being typed.
 * - .inline-field: a click on the value opens the field's edit form (its edit button);
 *   Escape in an edit form cancels (its cancel button); a 409 conflict fragment is swapped
 *   in like a 422 (htmx treats 4xx as errors otherwise). htmx focuses [autofocus] after a swap.
 */
(function () {
  "use strict";

  function addRow(button) {
    var name = button.getAttribute("data-add-row");
    var list = document.getElementById(name + "-rows");
    var template = document.getElementById(name + "-template");
    if (!list || !template) return;
    var next = parseInt(list.getAttribute("data-next") || "0", 10);
    list.setAttribute("data-next", String(next + 1));
    var holder = document.createElement("div");
    holder.innerHTML = template.innerHTML.replace(/__index__/g, String(next));
    var row = holder.firstElementChild;
    list.appendChild(row);
    if (!list.querySelector("input[type=radio]:checked")) {
      var radio = row.querySelector("input[type=radio]");
      if (radio) radio.checked = true;
    }
    if (window.htmx) window.htmx.process(row);
    var first = row.querySelector("input:not([type=radio]), select");
    if (first) first.focus();
  }

  function removeRow(button) {
    var row = button.closest("[data-row]");
    if (!row) return;
    var list = row.parentElement;
    var wasPrimary = row.querySelector("input[type=radio]:checked");
    row.remove();
    if (wasPrimary) {
      var other = list.querySelector("input[type=radio]");
      if (other) other.checked = true;
    }
  }

  function suggestTags(input) {
    var list = document.getElementById(input.getAttribute("list"));
    if (!list) return;
    if (!list.dataset.tags) {
      list.dataset.tags = JSON.stringify(Array.prototype.map.call(list.options, function (o) { return o.value; }));
    }
    var tags = JSON.parse(list.dataset.tags);
    var parts = input.value.split(",");
    var typed = parts.pop().trim().toLowerCase();
    var chosen = parts.map(function (p) { return p.trim().toLowerCase(); });
    var prefix = parts.length ? parts.map(function (p) { return p.trim(); }).join(", ") + ", " : "";
    list.innerHTML = "";
    tags.filter(function (t) {
      return chosen.indexOf(t.toLowerCase()) < 0 && t.toLowerCase().indexOf(typed) === 0;
    }).slice(0, 20).forEach(function (t) {
      var option = document.createElement("option");
      option.value = prefix + t;
      list.appendChild(option);
    });
  }

  document.addEventListener("click", function (event) {
    var target = event.target;
    var add = target.closest && target.closest("[data-add-row]");
    if (add) { event.preventDefault(); addRow(add); return; }
    var remove = target.closest && target.closest("[data-remove-row]");
    if (remove) { event.preventDefault(); removeRow(remove); return; }
    var display = target.closest && target.closest(".inline-field:not(.is-editing)");
    if (display && !target.closest("a, button, form")) {
      var edit = display.querySelector(".inline-edit-button");
      if (edit) edit.click();
    }
  });

  document.addEventListener("input", function (event) {
    var el = event.target;
    if (el.matches && el.matches("input[list=tag-suggestions]")) suggestTags(el);
  });

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    var form = event.target.closest && event.target.closest(".inline-field.is-editing");
    if (!form) return;
    var cancel = form.querySelector("[data-inline-cancel]");
    if (cancel) { event.preventDefault(); cancel.click(); }
  });

  document.addEventListener("htmx:beforeSwap", function (event) {
    var xhr = event.detail.xhr;
    if (xhr && xhr.status === 409 && event.detail.target && event.detail.target.closest(".inline-field")) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

})();
