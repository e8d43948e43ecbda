/* Peer Assist Live: laying out the columns. Everywhere the phase's own kinds come first; on
   the projector they lead large, earlier kinds shrink to counts, and nothing scrolls. */
(function () {
  "use strict";

  // The projector: the phase's own kinds lead; earlier cards shrink to counts; nothing scrolls.
  function votesOf(card) {
    var v = card.querySelector("[id^=votes-]");
    return v ? parseInt(v.textContent, 10) || 0 : 0;
  }
  // Show the list's items in order while they fit its box, and say how many are left out.
  // A tall item that does not fit is skipped for shorter ones after it, so the box is not left
  // half empty above "+2 more"; but not in a numbered list (the action list), where a skipped
  // item would renumber the ones after it, nor for items ranked below it (`rank`, the votes):
  // a card the room voted for more stays, its words cut short, and the rest go. The first
  // item always stays, as a voted one does, its words cut short so that its author and votes
  // still show (the room's favourite must not lose its stars), down to a single line, and cut
  // off at the box's edge only when not even that is left: an empty box that says "+3 more"
  // tells the room nothing.
  function fitList(box, list, items, rank) {
    var more = box.querySelector(":scope > .more");
    if (!more) {
      more = document.createElement("p");
      more.className = "more";
      box.appendChild(more);
    }
    more.hidden = true;
    items.forEach(function (c) {
      c.hidden = false;
      uncut(c);
    });
    function overflowing() { return list.scrollHeight > list.clientHeight + 1; }
    if (!overflowing()) return;
    // Some must go: the "+N more" line takes its room first, then each item in turn.
    more.textContent = "+" + items.length + " more";
    more.hidden = false;
    items.forEach(function (c, i) { c.hidden = i > 0; });
    // The first item is cut to the room the "+N more" line leaves it, a line there only when
    // something else goes.
    more.hidden = items.length === 1;
    if (overflowing()) cutShort(list, items[0], 1);
    var skips = list.tagName !== "OL";
    var hidden = 0;
    for (var i = 1; i < items.length; i++) {
      items[i].hidden = false;
      if (!overflowing()) continue;
      if (rank && rank(items[i]) > rank(items[items.length - 1])) {
        if (!cutShort(list, items[i], 2)) { items[i].hidden = true; hidden++; }
        hidden += items.length - i - 1;
        break;
      }
      items[i].hidden = true;
      hidden++;
      if (!skips) {
        hidden += items.length - i - 1;
        break;
      }
    }
    more.textContent = "+" + hidden + " more";
    more.hidden = hidden === 0;
  }
  // Give back the words `cutShort` cut, to whatever is under `root` (a card shown again, or
  // the spotlight's copy of one).
  function uncut(root) {
    root.querySelectorAll(".text.cut").forEach(function (t) {
      t.classList.remove("cut");
      t.style.maxHeight = "";
    });
  }
  // Cut an item's words to the whole lines left above the list's bottom edge, its footer (the
  // votes) still showing; false when fewer than `least` lines are left.
  function cutShort(list, item, least) {
    var text = item.querySelector(".text");
    if (!text) return false;
    var line = parseFloat(getComputedStyle(text).lineHeight) || 24;
    var below = item.getBoundingClientRect().bottom - text.getBoundingClientRect().bottom;
    var room = list.getBoundingClientRect().bottom - text.getBoundingClientRect().top - below - 2;
    if (room < least * line) return false;
    text.style.maxHeight = Math.floor(room / line) * line + "px";
    text.classList.add("cut");
    return true;
  }
  function fitColumn(column) {
    var list = column.querySelector(".cards");
    var cards = Array.prototype.slice.call(list.querySelectorAll(":scope > .card"));
    // Most voted first, then the newest: what the room is talking about now.
    cards.sort(function (a, b) { return votesOf(b) - votesOf(a) || b.dataset.card - a.dataset.card; });
    cards.forEach(function (c) {
      c.classList.toggle("no-votes", votesOf(c) === 0); // "0 ★" on every card is noise
      list.appendChild(c);
    });
    fitList(column, list, cards, votesOf);
  }
  // Themes, once the facilitator has made some, take the columns' place on the projector:
  // at most MAX_GROUPS groups side by side (the server sends them most voted first, the cards
  // in no theme last), each cut to its box with "+N more".
  var MAX_GROUPS = 4;
  function fitThemes() {
    var box = document.getElementById("themes");
    if (!box || box.hidden) return;
    var groups = Array.prototype.slice.call(box.querySelectorAll(".theme-group"));
    groups.forEach(function (g, i) { g.hidden = i >= MAX_GROUPS; });
    var list = box.querySelector(".theme-groups");
    if (list) list.style.setProperty("--groups", String(Math.max(Math.min(groups.length, MAX_GROUPS), 1)));
    var left = box.querySelector(":scope > .more-themes");
    if (!left) {
      left = document.createElement("p");
      left.className = "more more-themes";
      box.appendChild(left);
    }
    left.textContent = groups.length > MAX_GROUPS ? "+" + (groups.length - MAX_GROUPS) + " more themes" : "";
    left.hidden = groups.length <= MAX_GROUPS;
    groups.slice(0, MAX_GROUPS).forEach(function (g) {
      var cards = g.querySelector(".theme-cards");
      fitList(g, cards, Array.prototype.slice.call(cards.querySelectorAll(":scope > .theme-card")));
    });
  }
  // The phase's own columns in the phase's order (the feedback opens with what was done well),
  // ahead of the rest in their usual order. Moved in the page itself, not by CSS `order`: a
  // keyboard and a screen reader then meet the columns in the order the eye does.
  function leadFirst(board, lead) {
    var cols = Array.prototype.slice.call(board.querySelectorAll(":scope > .column"));
    function rank(col) {
      var at = lead.indexOf(col.dataset.kind);
      return at >= 0 ? at - lead.length : Number(col.dataset.position);
    }
    var ranked = cols.slice().sort(function (a, b) { return rank(a) - rank(b); });
    if (ranked.every(function (col, i) { return col === cols[i]; })) return;
    var focused = document.activeElement;
    ranked.forEach(function (col) { board.appendChild(col); });
    if (focused && board.contains(focused) && document.activeElement !== focused) {
      focused.focus({ preventScroll: true });
    }
  }
  // How many columns a room's board has on a wide screen: as many as fit at 15rem, as it had;
  // more when the phase has more columns of its own than that, so they share the first row,
  // but never narrower than 9rem (a card's words two or three to a line; a 1280 px laptop
  // fits the feedback's five).
  function columnsFor(board, leads) {
    var rem = parseFloat(getComputedStyle(document.documentElement).fontSize) || 16;
    var gap = parseFloat(getComputedStyle(board).columnGap) || 0;
    var width = board.clientWidth + gap;
    var roomy = Math.floor(width / (15 * rem + gap));
    var tight = Math.floor(width / (9 * rem + gap));
    return Math.max(1, leads > roomy ? Math.min(leads, tight) : roomy);
  }
  // On a phone the columns stand one under another, and a long one (forty insights) put the
  // next thousands of pixels down: a row of links to each column shown, with its count, stays
  // at the top of the screen while the board scrolls (app.css shows it on phones only).
  function columnJumps(board) {
    var nav = document.getElementById("column-jumps");
    if (!nav) {
      nav = document.createElement("nav");
      nav.id = "column-jumps";
      nav.className = "column-jumps";
      nav.setAttribute("aria-label", "Columns");
      board.parentNode.insertBefore(nav, board);
    }
    var shown = Array.prototype.filter.call(board.querySelectorAll(".column"), function (col) {
      return getComputedStyle(col).display !== "none";
    });
    function link(target, text) {
      var a = document.createElement("a");
      a.href = "#" + target;
      a.textContent = text;
      return a;
    }
    var links = shown.map(function (col) {
      var title = col.querySelector("h3");
      return link(title.id, title.textContent + " " + col.querySelectorAll(".cards > .card").length);
    });
    // Once there is an action list, it is one of the places to go (below the takeaways in the
    // reflection).
    var actions = document.getElementById("actions-title");
    if (actions && actions.offsetParent && getComputedStyle(actions.closest("section")).display !== "none") {
      links.push(link(actions.id, actions.textContent));
    }
    // The same places keep their links, only their counts change: this runs on every live
    // message, and a new link would take the keyboard's focus away from the one it was on.
    function places(list) {
      return Array.prototype.map.call(list, function (a) { return a.getAttribute("href"); }).join(" ");
    }
    if (places(links) === places(nav.children)) {
      links.forEach(function (a, i) {
        if (nav.children[i].textContent !== a.textContent) nav.children[i].textContent = a.textContent;
      });
    } else {
      nav.replaceChildren.apply(nav, links);
    }
    nav.hidden = links.length < 2;
  }
  function layoutBoard() {
    var board = document.getElementById("board");
    if (!board) return;
    var banner = document.getElementById("phase-banner");
    var lead = ((banner && banner.dataset.kinds) || "").split(" ").filter(Boolean);
    if (!document.body.classList.contains("view-board")) {
      // Elsewhere the phase's own columns simply come first, side by side on a wide screen
      // (app.css): the feedback's fifth fell below the longest of the other four.
      var leads = 0;
      leadFirst(board, lead);
      board.querySelectorAll(".column").forEach(function (col) {
        var on = lead.indexOf(col.dataset.kind) >= 0;
        col.classList.toggle("lead", on);
        if (on) leads++;
      });
      board.style.setProperty("--lead", String(columnsFor(board, leads)));
      board.toggleAttribute("data-lead", leads > 0);
      columnJumps(board);
      return;
    }
    if (banner && banner.classList.contains("phase-closed")) {
      // A closed meeting invites nobody: the QR code and the join address go for good.
      document.querySelectorAll(".join-box > :not(#presence)").forEach(function (e) { e.remove(); });
    }
    var actions = document.querySelector(".board-actions");
    var actionsUp = !!(actions && actions.offsetParent); // app.css says in which phases
    if (actionsUp) {
      var list = actions.querySelector(".actions");
      fitList(actions, list, Array.prototype.slice.call(list.querySelectorAll(":scope > .action")));
    }
    if (!lead.length && !actionsUp) {
      // A phase nobody writes in (the welcome): whatever cards there are are shown as cards,
      // not summed up as "earlier".
      board.querySelectorAll(".column").forEach(function (col) {
        if (col.querySelector(".cards > .card")) lead.push(col.dataset.kind);
      });
    }
    // Columns not shown are counted: cards of earlier phases as "earlier", and a card written
    // now (a host team speaker's, while the rest listen) as "now", which it is.
    var current = banner ? banner.dataset.phase : "";
    var earlier = [];
    var now = [];
    var leading = 0;
    leadFirst(board, lead);
    board.querySelectorAll(".column").forEach(function (col) {
      var on = lead.indexOf(col.dataset.kind) >= 0;
      col.classList.toggle("lead", on);
      if (on) leading++;
      if (on) return;
      var cards = col.querySelectorAll(".cards > .card");
      var fresh = col.querySelectorAll('.cards > .card[data-phase="' + current + '"]').length;
      var title = col.querySelector("h3").textContent + " ";
      if (cards.length > fresh) earlier.push(title + (cards.length - fresh));
      if (fresh) now.push(title + fresh);
    });
    board.style.setProperty("--lead", String(Math.max(leading, 1)));
    board.hidden = leading === 0;
    var strip = document.getElementById("board-strip");
    if (strip) {
      var parts = [];
      if (earlier.length) parts.push("Earlier: " + earlier.join(" \u00b7 "));
      if (now.length) parts.push("Now: " + now.join(" \u00b7 "));
      strip.textContent = parts.join(" \u2003 ");
      // Once the action list is up, the room reads the actions and the phase's own cards: a
      // count of other ones would take their room.
      strip.hidden = !parts.length || actionsUp;
    }
    board.querySelectorAll(".column.lead").forEach(fitColumn);
    fitThemes();
  }
  window.addEventListener("resize", layoutBoard);
  // The themes section fetches itself again outside the live stream (static/themes.js).
  document.addEventListener("htmx:afterSettle", layoutBoard);

  window.paBoard = { layout: layoutBoard, uncut: uncut };
})();
