/* Sales board: drag deals between stages with SortableJS (vendored, unmodified).
 *
 * A drop posts the move to POST /sales/deals/<id>/move (stage_id, after_id, position and
 * the board's filters) with the CSRF token from <meta name="csrf-token">. The server
 * answers with the changed columns and totals as htmx out-of-band swaps. If the move is
 * refused, the card goes back where it was and the server's message is shown as a toast.
 * Without JavaScript every card keeps its "Move to…" form, which posts to the same URL.
 */
(function () {
  "use strict";

  function token() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  function revert(evt) {
    var from = evt.from;
    from.insertBefore(evt.item, from.children[evt.oldIndex] || null);
  }

  function showError(html, status) {
    var doc = new DOMParser().parseFromString(html || "", "text/html");
    var toasts = doc.querySelectorAll("body > .toast");
    var box = document.getElementById("toasts");
    if (toasts.length && box) {
      toasts.forEach(function (t) { box.appendChild(document.adoptNode(t)); });
    } else if (window.crm && window.crm.toast) {
      window.crm.toast("The deal could not be moved (" + status + ").", "error");
    }
  }

  function send(board, evt) {
    var item = evt.item;
    var previous = item.previousElementSibling;
    var body = new FormData();
    body.append("stage_id", evt.to.dataset.stageId);
    body.append("position", String(evt.newIndex));
    body.append("after_id", previous ? previous.dataset.dealId : "");
    if (board.dataset.owner) body.append("owner", board.dataset.owner);
    if (board.dataset.month) body.append("month", board.dataset.month);
    var url = board.dataset.moveUrl.replace(/\/0\/move$/, "/" + item.dataset.dealId + "/move");
    evt.from.classList.add("is-busy");
    evt.to.classList.add("is-busy");
    fetch(url, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-CSRFToken": token(), "HX-Request": "true" }
    }).then(function (response) {
      return response.text().then(function (text) { return { ok: response.ok, status: response.status, text: text }; });
    }).then(function (result) {
      evt.from.classList.remove("is-busy");
      evt.to.classList.remove("is-busy");
      if (result.ok) {
        htmx.swap(document.body, result.text, { swapStyle: "none" });
      } else {
        revert(evt);
        showError(result.text, result.status);
      }
    }).catch(function () {
      evt.from.classList.remove("is-busy");
      evt.to.classList.remove("is-busy");
      revert(evt);
      if (window.crm && window.crm.toast) window.crm.toast("The server could not be reached. The deal was not moved.", "error");
    });
  }

  function arm(list) {
    if (list.dataset.sortable) return;
    var board = list.closest(".sales-board");
    if (!board || !board.hasAttribute("data-editable") || typeof Sortable === "undefined") return;
    list.dataset.sortable = "1";
    board.classList.add("is-draggable");
    Sortable.create(list, {
      group: "sales-board",
      draggable: ".sales-card",
      filter: ".sales-move",
      preventOnFilter: false,
      animation: 150,
      delay: 180,
      delayOnTouchOnly: true,
      ghostClass: "sales-ghost",
      chosenClass: "sales-chosen",
      dragClass: "sales-drag",
      onEnd: function (evt) {
        if (evt.from === evt.to && evt.oldIndex === evt.newIndex) return;
        send(board, evt);
      }
    });
  }

  function armAll(root) {
    var scope = root && root.querySelectorAll ? root : document;
    if (scope.matches && scope.matches(".sales-cards")) arm(scope);
    scope.querySelectorAll(".sales-cards").forEach(arm);
  }

  if (window.htmx) {
    htmx.onLoad(armAll); // the first page, filter changes and the columns a move swaps in
  } else {
    document.addEventListener("DOMContentLoaded", function () { armAll(document); });
  }
})();
