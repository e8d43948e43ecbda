/* Themes: keep the grouped view current, and let the facilitator drag cards into themes.
   Dragging is a shortcut; every card also has a theme list and a Move button, so the
   keyboard and screen readers can do the same (see partials/_themes.html). */
(function () {
  "use strict";

  function section() { return document.getElementById("themes"); }

  // The live stream marks the grouping stale, and the section fetches itself again once the
  // room pauses (400 ms), so a burst of votes costs one fetch. Never later than a second after
  // the first change, though: a room that never pauses (votes every few hundred milliseconds)
  // must still see its grouping move. A new phase is fetched at once.
  var PAUSE_MS = 400;
  var AT_MOST_MS = 1000;
  var pending = null;
  var staleSince = 0;

  function refreshNow() {
    clearTimeout(pending);
    pending = null;
    var box = section();
    if (box) htmx.trigger(box, "themes-stale");
  }

  function refreshSoon() {
    var now = Date.now();
    if (pending === null) staleSince = now;
    clearTimeout(pending);
    pending = setTimeout(refreshNow, Math.max(0, Math.min(PAUSE_MS, staleSince + AT_MOST_MS - now)));
  }

  document.addEventListener("htmx:oobAfterSwap", function (evt) {
    var old = evt.detail && evt.detail.target;
    if (!old || old.id !== "themes-stale") return;
    var marker = document.getElementById("themes-stale");
    var box = section();
    if (!box || !marker) return;
    var why = marker.dataset.why || "";
    if (why === "phase.changed") {
      refreshNow();
    } else if (box.dataset.shown || why.indexOf("theme.") === 0 || why === "card.updated") {
      // While hidden, only what can make it appear matters: a new phase, or a first theme.
      refreshSoon();
    }
  });

  // A fresh grouping must not wipe what the facilitator is in the middle of: a theme's name
  // half typed, a card's new theme chosen but not yet moved (the click on its button would
  // land on a form that is gone). The swap waits until they send it or leave the section.
  var waiting = false;

  function changed(form) {
    return Array.prototype.some.call(form.elements, function (el) {
      if (el.tagName === "SELECT") {
        return Array.prototype.some.call(el.options, function (o) { return o.selected !== o.defaultSelected; });
      }
      return (el.tagName === "TEXTAREA" || el.type === "text") && el.value !== el.defaultValue;
    });
  }

  function busy(box) {
    var el = document.activeElement;
    var form = el && box.contains(el) ? el.closest("form") : null;
    return !!form && changed(form);
  }

  function catchUp() {
    var box = section();
    if (waiting && box && !busy(box)) {
      waiting = false;
      refreshNow();
    }
  }

  // What was chosen or typed in forms not being used right now goes over to the new grouping,
  // form by form (each form's target names it: the new theme, a theme, a card).
  var carried = null;

  function formKey(form) {
    return form.getAttribute("hx-post") || form.getAttribute("hx-patch") || "";
  }

  function carry(box) {
    var kept = {};
    box.querySelectorAll("form").forEach(function (form) {
      if (!changed(form)) return;
      kept[formKey(form)] = Array.prototype.map.call(form.elements, function (el) {
        return [el.name, el.value];
      });
    });
    return kept;
  }

  function putBack(box, kept) {
    box.querySelectorAll("form").forEach(function (form) {
      var fields = kept[formKey(form)];
      if (!fields) return;
      fields.forEach(function (pair) {
        var el = pair[0] && form.elements.namedItem(pair[0]);
        if (el && "value" in el) el.value = pair[1];
      });
    });
  }

  document.addEventListener("htmx:beforeSwap", function (evt) {
    var box = section();
    if (!box || evt.detail.elt !== box) return;
    if (busy(box)) {
      evt.detail.shouldSwap = false;
      waiting = true;
      return;
    }
    carried = carry(box);
  });
  document.addEventListener("htmx:afterSwap", function () {
    var box = section();
    if (box && carried) putBack(box, carried);
    carried = null;
  });
  // A grouping read before the stream's latest change (a theme made while the previous
  // refresh was on its way) is fetched again: the refresh that change asked for was waiting
  // on the section just replaced, and went with it. htmx:load, not afterSwap: only then does
  // the new section listen for its trigger.
  document.addEventListener("htmx:load", function (evt) {
    var box = evt.target;
    if (box.id !== "themes") return;
    var live = document.getElementById("live-seq");
    var read = box.dataset.seq;
    if (live && read && Number(live.dataset.seq) > Number(read)) refreshSoon();
  });
  document.addEventListener("htmx:afterRequest", function (evt) {
    var box = section();
    var form = evt.detail.elt;
    if (!box || !form || form.tagName !== "FORM" || !box.contains(form)) return;
    if (evt.detail.successful) form.reset();  // sent: its words are the server's now
    catchUp();
  });
  document.addEventListener("focusout", function (evt) {
    var box = section();
    if (box && box.contains(evt.target) && !box.contains(evt.relatedTarget)) catchUp();
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
