// The kanban board: drag a card to another column and the move is saved at once
// (htmx POST to the card's move URL). When the server refuses — a lost stage needs a
// reason, a closed deal may not be reopened by this user… — the card goes back to
// where it was and the board says why. A lost column first asks the reason.
(function () {
  "use strict";

  function showMessage(text, kind) {
    const box = document.getElementById("board-message");
    if (!box) return;
    box.innerHTML = "";
    const alert = document.createElement("div");
    alert.className = "alert alert-" + (kind || "danger") + " alert-dismissible fade show";
    alert.setAttribute("role", kind === "success" ? "status" : "alert");
    alert.textContent = text;
    const close = document.createElement("button");
    close.type = "button";
    close.className = "btn-close";
    close.setAttribute("data-bs-dismiss", "alert");
    close.setAttribute("aria-label", "×");
    alert.appendChild(close);
    box.appendChild(alert);
  }

  function putBack(evt) {
    const from = evt.from;
    const reference = from.children[evt.oldIndex] || null;
    from.insertBefore(evt.item, reference);
  }

  function send(evt, extra) {
    const card = evt.item;
    const values = Object.assign({ stage: evt.to.dataset.stageId, board: "1" }, extra || {});
    card.classList.add("deal-card-saving");
    const done = function (event) {
      card.removeEventListener("htmx:afterRequest", done);
      card.classList.remove("deal-card-saving");
      if (event.detail.successful) {
        const box = document.getElementById("board-message");
        if (box) box.innerHTML = "";
        card.dataset.stageId = evt.to.dataset.stageId;
        return;
      }
      putBack(evt);
      const xhr = event.detail.xhr;
      const text = xhr && xhr.status ? xhr.responseText : "";
      showMessage(text || card.closest(".deal-board").dataset.failed || "Error");
    };
    card.addEventListener("htmx:afterRequest", done);
    htmx.ajax("POST", card.dataset.moveUrl, { source: card, values: values, swap: "none" });
  }

  function askReason(evt) {
    const modalElement = document.getElementById("lost-modal");
    const form = document.getElementById("lost-form");
    if (!modalElement || !form || !window.bootstrap) {
      send(evt, {});
      return;
    }
    const modal = bootstrap.Modal.getOrCreateInstance(modalElement);
    let submitted = false;
    form.reset();
    const onSubmit = function (event) {
      event.preventDefault();
      if (!form.reportValidity()) return;
      submitted = true;
      modal.hide();
      send(evt, {
        lost_reason: form.elements.lost_reason.value,
        lost_comment: form.elements.lost_comment.value,
      });
    };
    const onHidden = function () {
      form.removeEventListener("submit", onSubmit);
      modalElement.removeEventListener("hidden.bs.modal", onHidden);
      if (!submitted) putBack(evt);
    };
    form.addEventListener("submit", onSubmit);
    modalElement.addEventListener("hidden.bs.modal", onHidden);
    modal.show();
  }

  function init() {
    const board = document.getElementById("deal-board");
    if (!board || !window.Sortable || !window.htmx) return;
    board.querySelectorAll(".board-cards").forEach(function (list) {
      Sortable.create(list, {
        group: "deals",
        draggable: ".deal-card",
        filter: ".deal-card-locked, .board-more",
        preventOnFilter: false,
        animation: 120,
        // Mouse and touch events rather than the browser's drag and drop: the same
        // behaviour on phones, and links inside cards still open on a click.
        forceFallback: true,
        fallbackTolerance: 4,
        onEnd: function (evt) {
          if (evt.from === evt.to) return;
          if (evt.to.dataset.stageKind === "lost") {
            askReason(evt);
          } else {
            send(evt, {});
          }
        },
      });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
