/* Themes: keep the grouped view current, and let the facilitator drag cards into themes.
   Dragging is a shortcut; every card also has a theme list and a Move button, so the
   keyboard and screen readers can do the same (see partials/_themes.html). */
(function () {
  "use strict";

  function section() { return document.getElementById("themes"); }

  // The live stream marks the grouping stale; the section fetches itself again (debounced by
  // its hx-trigger). Only a phase change matters while it is hidden.
  document.addEventListener("htmx:oobAfterSwap", function (evt) {
    var old = evt.detail && evt.detail.target;
    if (!old || old.id !== "themes-stale") return;
    var marker = document.getElementById("themes-stale");
    var box = section();
    if (!box || !marker) return;
    if (box.dataset.shown || marker.dataset.why === "phase.changed") {
      htmx.trigger(box, "themes-stale");
    }
  });

  function csrfHeaders() {
    try { return JSON.parse(document.body.getAttribute("hx-headers") || "{}"); }
    catch (e) { return {}; }
  }

  function say(message) {
    var box = document.getElementById("toast");
    if (!box) return;
    box.textContent = message;
    box.hidden = false;
  }

  function moveCard(cardId, theme) {
    var box = section();
    if (!box) return;
    var headers = csrfHeaders();
    headers["Content-Type"] = "application/json";
    fetch("/api/v1/workshops/" + box.dataset.workshop + "/cards/" + cardId, {
      method: "PATCH", headers: headers, credentials: "same-origin",
      body: JSON.stringify({ theme: theme || null })
    }).then(function (r) {
      if (!r.ok) return r.json().then(function (b) { say(b.detail); });
    }).catch(function () { say("No connection to the server. Try again in a moment."); });
  }

  document.addEventListener("dragstart", function (evt) {
    var card = evt.target.closest && evt.target.closest(".themes-editable .theme-card[draggable]");
    if (!card) return;
    evt.dataTransfer.setData("text/plain", card.dataset.card);
    evt.dataTransfer.effectAllowed = "move";
    card.classList.add("dragging");
  });
  document.addEventListener("dragend", function (evt) {
    var card = evt.target.closest && evt.target.closest(".theme-card");
    if (card) card.classList.remove("dragging");
  });
  document.addEventListener("dragover", function (evt) {
    var zone = evt.target.closest && evt.target.closest("[data-drop=theme]");
    if (!zone) return;
    evt.preventDefault();
    zone.classList.add("drop-here");
  });
  document.addEventListener("dragleave", function (evt) {
    var zone = evt.target.closest && evt.target.closest("[data-drop=theme]");
    if (zone && !zone.contains(evt.relatedTarget)) zone.classList.remove("drop-here");
  });
  document.addEventListener("drop", function (evt) {
    var zone = evt.target.closest && evt.target.closest("[data-drop=theme]");
    if (!zone) return;
    evt.preventDefault();
    zone.classList.remove("drop-here");
    var cardId = evt.dataTransfer.getData("text/plain");
    if (/^[0-9]+$/.test(cardId)) moveCard(cardId, zone.dataset.theme);
  });
})();
