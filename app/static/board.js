/* Peer Assist Live: laying out the columns. Everywhere the phase's own kinds come first; on
   the projector they lead large, earlier kinds shrink to counts, and nothing scrolls. */
(function () {
  "use strict";

  // The projector: the phase's own kinds lead; earlier cards shrink to counts; nothing scrolls.
  function votesOf(card) {
    var v = card.querySelector("[id^=votes-]");
    return v ? parseInt(v.textContent, 10) || 0 : 0;
  }
  function fitColumn(column) {
    var list = column.querySelector(".cards");
    var cards = Array.prototype.slice.call(list.querySelectorAll(":scope > .card"));
    // Most voted first, then the newest: what the room is talking about now.
    cards.sort(function (a, b) { return votesOf(b) - votesOf(a) || b.dataset.card - a.dataset.card; });
    cards.forEach(function (c) {
      c.hidden = false;
      c.classList.toggle("no-votes", votesOf(c) === 0); // "0 ★" on every card is noise
      list.appendChild(c);
    });
    var more = column.querySelector(":scope > .more");
    if (!more) {
      more = document.createElement("p");
      more.className = "more";
      column.appendChild(more);
    }
    more.hidden = true;
    var hidden = 0;
    function overflowing() { return list.scrollHeight > list.clientHeight + 1; }
    for (var i = cards.length - 1; i >= 0 && overflowing(); i--) {
      cards[i].hidden = true;
      hidden++;
      more.textContent = "+" + hidden + " more";
      more.hidden = false;
    }
  }
  function layoutBoard() {
    var board = document.getElementById("board");
    if (!board) return;
    var banner = document.getElementById("phase-banner");
    var lead = ((banner && banner.dataset.kinds) || "").split(" ").filter(Boolean);
    if (!document.body.classList.contains("view-board")) {
      // Elsewhere the phase's own columns simply come first.
      board.querySelectorAll(".column").forEach(function (col) {
        col.classList.toggle("lead", lead.indexOf(col.dataset.kind) >= 0);
      });
      return;
    }
    var earlier = [];
    var leading = 0;
    board.querySelectorAll(".column").forEach(function (col) {
      var on = lead.indexOf(col.dataset.kind) >= 0;
      col.classList.toggle("lead", on);
      if (on) leading++;
      var n = col.querySelectorAll(".cards > .card").length;
      if (!on && n) earlier.push(col.querySelector("h3").textContent + " " + n);
    });
    board.style.setProperty("--lead", String(Math.max(leading, 1)));
    board.hidden = leading === 0;
    var strip = document.getElementById("board-strip");
    if (strip) {
      strip.textContent = earlier.length ? "Earlier: " + earlier.join(" \u00b7 ") : "";
      strip.hidden = !earlier.length;
    }
    board.querySelectorAll(".column.lead").forEach(fitColumn);
  }
  window.addEventListener("resize", layoutBoard);

  window.paBoard = { layout: layoutBoard };
})();
