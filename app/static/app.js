/* Peer Assist Live: the little the server cannot do. Countdown from the server's clock,
   JSON for the API, votes, and keeping drafts. The live socket has a file of its own, live.js. */
(function () {
  "use strict";

  var INT_FIELDS = ["seconds", "card_id", "into", "satisfaction"];
  var BOOL_FIELDS = ["host_team_muted", "anonymous", "hidden", "private_writing", "admit", "auto_admit"];
  var INT_LIST_FIELDS = ["speakers", "card_ids"];
  var NULLABLE_FIELDS = ["theme"];
  var clockOffsetMs = 0; // server time minus this device's time

  function csrfHeaders() {
    try { return JSON.parse(document.body.getAttribute("hx-headers") || "{}"); }
    catch (e) { return {}; }
  }

  function toast(message) {
    var box = document.getElementById("toast");
    if (!box) return;
    box.textContent = message;
    box.hidden = false;
    clearTimeout(box._timer);
    box._timer = setTimeout(function () { box.hidden = true; }, 6000);
  }

  function errorText(xhr) {
    try { return JSON.parse(xhr.responseText).detail; }
    catch (e) { return "That did not work (" + xhr.status + "). Please try again."; }
  }

  // A change can bring a card to a screen that never had it (private cards revealed, a hidden
  // card shown again). Its frame removes the card's old place before adding it anew, and htmx
  // reports removing what is not there as an error; on the live socket (hx-ext="ws,live")
  // such removals are dropped before the frame is swapped in.
  htmx.defineExtension("live", {
    transformResponse: function (text) {
      if (text.indexOf('hx-swap-oob="delete"') < 0) return text;
      var frame = document.createElement("template");
      frame.innerHTML = text;
      frame.content.querySelectorAll('[hx-swap-oob="delete"]').forEach(function (el) {
        if (el.id && !document.getElementById(el.id)) el.remove();
      });
      return frame.innerHTML;
    }
  });

  // Forms post JSON to the public API, typed the way the API expects.
  htmx.defineExtension("json-api", {
    onEvent: function (name, evt) {
      if (name === "htmx:configRequest") {
        evt.detail.headers["Content-Type"] = "application/json";
        // Kept on the element until the write is answered, so a retry lands only once.
        var elt = evt.detail.elt;
        if (!elt._idemKey) elt._idemKey = (crypto.randomUUID ? crypto.randomUUID() : String(Math.random()));
        evt.detail.headers["Idempotency-Key"] = elt._idemKey;
        // "Next phase" and "Back" ask for the phase they lead to from the one on the screen, by
        // name: a second click before the screen has moved asks for that phase again (and is
        // told it is there already) instead of skipping one.
        var move = elt.getAttribute("data-move");
        var banner = move && document.getElementById("phase-banner");
        var to = banner && banner.getAttribute("data-" + move);
        if (to) evt.detail.parameters.to = to;
      }
    },
    encodeParameters: function (xhr, parameters, elt) {
      xhr.overrideMimeType("text/json");
      var form = elt.closest("form") || elt;
      var body = {};
      parameters.forEach(function (value, key) {
        if (value === "") {
          if (NULLABLE_FIELDS.indexOf(key) >= 0) body[key] = null; // an emptied theme is cleared
          return;
        }
        if (key.indexOf("planned.") === 0) {
          (body.planned_s = body.planned_s || {})[key.slice(8)] = Math.round(parseFloat(value) * 60);
          return;
        }
        if (INT_LIST_FIELDS.indexOf(key) >= 0) { (body[key] = body[key] || []).push(parseInt(value, 10)); }
        else if (INT_FIELDS.indexOf(key) >= 0) { body[key] = parseInt(value, 10); }
        else if (BOOL_FIELDS.indexOf(key) >= 0) { body[key] = value === true || value === "true" || value === "on"; }
        else { body[key] = value; }
      });
      // An unticked box is still an answer: false, or an empty list.
      if (form.querySelectorAll) {
        form.querySelectorAll("input[type=checkbox]").forEach(function (box) {
          if (BOOL_FIELDS.indexOf(box.name) >= 0 && !(box.name in body)) body[box.name] = false;
          if (INT_LIST_FIELDS.indexOf(box.name) >= 0 && !(box.name in body)) body[box.name] = [];
        });
        form.querySelectorAll("select[multiple]").forEach(function (sel) {
          if (INT_LIST_FIELDS.indexOf(sel.name) >= 0 && !(sel.name in body)) body[sel.name] = [];
        });
      }
      return JSON.stringify(body);
    }
  });

  // A write the server could not save (503: its database is not answering) or that got no
  // answer is sent again by itself, with the same Idempotency-Key, until it is saved. The
  // words stay in the form, and the form says what is happening.
  var RETRY_MS = [1000, 2000, 3000];
  function saveState(elt, text) {
    var form = elt.closest("form");
    var box = form && form.querySelector(".save-state");
    if (box) { box.textContent = text; box.hidden = !text; }
    else if (text) toast(text);
  }
  function retryLater(elt) {
    var tries = elt._retries = (elt._retries || 0) + 1;
    saveState(elt, "Not saved, retrying…");
    var trigger = elt.getAttribute("hx-trigger") || (elt.tagName === "FORM" ? "submit" : "click");
    setTimeout(function () {
      if (elt._retries && elt.isConnected) htmx.trigger(elt, trigger);
    }, RETRY_MS[Math.min(tries, RETRY_MS.length) - 1]);
  }
  // An API answer is JSON holding what people typed. htmx parses any answer as HTML for its
  // out-of-band swaps, even with hx-swap="none", so a name or a card written as markup with
  // hx-swap-oob would land in the page of whoever got that answer (the facilitator's phase
  // change answers the whole state). JSON is never swapped; what it changed arrives as
  // server-rendered frames on the live socket.
  document.addEventListener("htmx:beforeSwap", function (evt) {
    var xhr = evt.detail.xhr;
    var type = (xhr && xhr.getResponseHeader("Content-Type")) || "";
    if (type.indexOf("json") >= 0) evt.detail.shouldSwap = false;
  });
  // A read the page makes by itself (data-background: the feedback panel's poll) is nobody's
  // write: it says nothing, retries nothing, and stops for good at a refusal (a seat removed).
  function background(evt) { return evt.detail.elt.hasAttribute("data-background"); }
  document.addEventListener("htmx:responseError", function (evt) {
    if (background(evt)) {
      if (evt.detail.xhr.status < 500) evt.detail.elt.remove();
      return;
    }
    if (evt.detail.xhr.status === 503) retryLater(evt.detail.elt);
    else toast(errorText(evt.detail.xhr));
  });
  // A request the network lost, or swallowed (a phone between Wi-Fi and mobile data: without
  // htmx's timeout, base.html, it held its form until the browser gave up, minutes later, with
  // every new card queued behind it). A write with an Idempotency-Key goes again with it: it
  // lands once either way. One without (the pages before and after the meeting) may have
  // landed, so the person is told instead of it being sent twice.
  function noAnswer(evt) {
    if (background(evt)) return; // the next poll asks again
    var elt = evt.detail.elt;
    if (elt._idemKey) retryLater(elt);
    else saveState(elt, "No answer from the server. Check your connection, then try again.");
  }
  document.addEventListener("htmx:sendError", noAnswer);
  document.addEventListener("htmx:timeout", noAnswer);
  // The same limit for the page's own requests.
  function timeLimit(ms) {
    ms = ms || htmx.config.timeout || 15000;
    return AbortSignal.timeout ? { signal: AbortSignal.timeout(ms) } : {};
  }
  document.addEventListener("htmx:afterRequest", function (evt) {
    var elt = evt.detail.elt, status = evt.detail.xhr.status;
    if (status === 503 || status === 0) return;
    if (elt._retries) saveState(elt, evt.detail.successful ? "Saved." : "");
    elt._retries = 0;
    delete elt._idemKey;
  });
  // Words changed after a failed try are a new write, with a key of its own; not while the try
  // is still on its way, which may yet land (and its retry must keep its key).
  document.addEventListener("input", function (evt) {
    var form = evt.target.closest && evt.target.closest("form");
    if (form && !form.classList.contains("htmx-request")) delete form._idemKey;
  });
  // Controls marked data-reload change what only a fresh page shows (the invite links).
  document.addEventListener("htmx:afterRequest", function (evt) {
    if (evt.detail.successful && evt.detail.elt.hasAttribute("data-reload")) window.location.reload();
  });

  // Votes: one click votes, a second takes the vote back.
  function votedSet() {
    var me = document.getElementById("me");
    return me ? (me.dataset.voted || "").split(" ").filter(Boolean) : [];
  }
  function syncVotes() {
    // A card with no votes hides its "0 ★" outside voting (app.css); counts change live.
    document.querySelectorAll(".card[data-card]").forEach(function (c) {
      var n = c.querySelector("[id^=votes-]");
      if (n) c.classList.toggle("no-votes", (parseInt(n.textContent, 10) || 0) === 0);
    });
    var voted = votedSet();
    var me = document.getElementById("me");
    // With every vote given, the other cards' buttons rest (the server would refuse them); a
    // vote taken back frees them again.
    var spent = !!me && me.dataset.votesLeft === "0";
    document.querySelectorAll("button.vote").forEach(function (b) {
      var on = voted.indexOf(b.dataset.card) >= 0;
      b.setAttribute("aria-pressed", on ? "true" : "false");
      // aria-disabled, not disabled: the button keeps its place in the tab order, and a tap
      // says why (below) where a title never shows on a phone.
      b.setAttribute("aria-disabled", spent && !on ? "true" : "false");
      var label = b.querySelector(".vote-label");
      if (label) label.textContent = on ? "Voted" : "Vote";
    });
  }
  // A tap while the last one is on its way counts for nothing: a double tap used to vote and
  // then hear "already voted". The answer flips the button at once; the live #me confirms it.
  document.addEventListener("click", function (evt) {
    var button = evt.target.closest && evt.target.closest("button.vote");
    if (!button || button.dataset.sending) return;
    if (button.getAttribute("aria-disabled") === "true") {
      toast("You have used all 5 votes: take one back to vote for this card.");
      return;
    }
    var live = document.getElementById("live");
    var wid = live && live.getAttribute("ws-connect").split("/")[2];
    var on = button.getAttribute("aria-pressed") === "true";
    button.dataset.sending = "1";
    fetch("/api/v1/workshops/" + wid + "/cards/" + button.dataset.card + "/vote", Object.assign({
      method: on ? "DELETE" : "POST", headers: csrfHeaders(), credentials: "same-origin"
    }, timeLimit())).then(function (r) {
      return r.json().then(function (b) {
        if (!r.ok) { toast(b.detail); return; }
        // #me says what this person voted for and how many votes are left (syncVotes reads it
        // on every live frame): it agrees now, not only once this vote's own frame has come.
        var me = document.getElementById("me");
        if (me) {
          var voted = votedSet().filter(function (id) { return id !== button.dataset.card; });
          if (!on) voted.push(button.dataset.card);
          me.dataset.voted = voted.join(" ");
          me.dataset.votesLeft = String(b.votes_left);
          var shown = me.querySelector(".votes-left strong");
          if (shown) shown.textContent = String(b.votes_left);
        }
        syncVotes();
      });
    }).catch(function () { toast("No connection to the server. Try again in a moment."); })
      .then(function () { delete button.dataset.sending; });
  });

  // The facilitator's mute switches follow the live state.
  function syncMute() {
    var state = document.getElementById("mute-state");
    var form = document.getElementById("mute-controls");
    if (!state || !form) return;
    var speakers = (state.dataset.speakers || "").split(" ");
    form.querySelector("input[name=host_team_muted]").checked = state.dataset.muted === "1";
    form.querySelectorAll("input[name=speakers]").forEach(function (box) {
      box.checked = speakers.indexOf(box.value) >= 0;
    });
  }

  // A listening host cannot type either; the words already typed stay put. That holds for
  // every box on the page, hidden ones included (the action editor, editing a card).
  function syncComposer() {
    var kinds = document.getElementById("composer-kinds");
    var form = document.getElementById("composer");
    if (!kinds || !form) return;
    form.querySelectorAll("textarea, input, select").forEach(function (el) {
      if (!kinds.contains(el)) el.disabled = kinds.disabled;
    });
    form.classList.toggle("listening-mode", kinds.disabled);
    var listening = kinds.dataset.listening === "1";
    document.querySelectorAll("#live textarea, #live input, #live select").forEach(function (el) {
      if (!form.contains(el)) el.disabled = listening;
    });
  }

  // The timer's buttons follow its state (controls.js).
  function syncTimerControls() { if (window.paControls) window.paControls.sync(); }

  // The projector's spotlight: one card, or every card of a theme, large.
  function syncSpotlight() {
    var spot = document.getElementById("spotlight");
    if (!spot || spot.hidden) return;
    var cards = [];
    if (spot.dataset.card) {
      var one = document.getElementById("card-" + spot.dataset.card);
      if (one) cards.push(one);
    } else if (spot.dataset.theme) {
      document.querySelectorAll(".board .card").forEach(function (c) {
        var t = c.querySelector(".theme");
        if (t && t.textContent === spot.dataset.theme) cards.push(c);
      });
    }
    spot.replaceChildren();
    if (spot.dataset.theme) {
      var h = document.createElement("h2");
      h.textContent = spot.dataset.theme;
      spot.appendChild(h);
    }
    cards.forEach(function (c) {
      var copy = c.cloneNode(true);
      copy.hidden = false; // it may be one the board had no room for
      copy.removeAttribute("id");
      // The spotlight shows all its words, whatever the column had room for (board.js).
      window.paBoard.uncut(copy);
      copy.querySelectorAll("[id]").forEach(function (e) { e.removeAttribute("id"); });
      spot.appendChild(copy);
    });
  }

  // The console marks who is online in its list of people.
  function syncPresence() {
    var p = document.getElementById("presence");
    if (!p) return;
    var online = (p.dataset.online || "").split(" ");
    document.querySelectorAll("#people li[data-participant]").forEach(function (li) {
      li.classList.toggle("online", online.indexOf(li.dataset.participant) >= 0);
    });
  }

  // The console counts raised hands and who is done writing.
  function syncSignals() {
    var out = document.getElementById("signals");
    if (!out) return;
    var visitors = document.querySelectorAll("#people li[data-role=visitor]");
    var hands = document.querySelectorAll("#people li[data-signal=hand]").length;
    var done = document.querySelectorAll("#people li[data-role=visitor][data-signal=done]").length;
    var text = hands + (hands === 1 ? " hand up" : " hands up") + " · " + done + " of " + visitors.length + " visitors done";
    if (visitors.length && done === visitors.length) text += " · everyone is done";
    out.textContent = text;
    // Raised hands and visitors done writing also show in the console's header, where the
    // facilitator is looking (People is far down the console).
    var badge = document.getElementById("signals-count");
    if (badge) {
      var parts = [];
      if (hands) parts.push(hands + (hands === 1 ? " hand up" : " hands up"));
      if (done) parts.push(done + " of " + visitors.length + " visitors done");
      badge.textContent = parts.join(" \u00b7 ");
      badge.hidden = !parts.length;
    }
  }

  // A personal invitation's code fills in the name on the join page, then leaves the address
  // bar: an address copied from there would name this person, and carry their code, to anyone.
  (function () {
    var url = new URL(location.href);
    if (!url.searchParams.has("invitee")) return;
    url.searchParams.delete("invitee");
    history.replaceState(history.state, "", url.pathname + url.search + url.hash);
  })();

  // The action list's cards, in the editor and under each action (actions.js).
  function syncActionCards() { if (window.paActions) window.paActions.sync(); }

  function layoutBoard() { if (window.paBoard) window.paBoard.layout(); }

  // Cards stay in the order they were written, wherever an update put them.
  function sortColumns() {
    if (document.body.classList.contains("view-board")) return; // the board sorts by votes
    document.querySelectorAll(".cards").forEach(function (col) {
      var cards = Array.prototype.slice.call(col.children);
      var sorted = cards.slice().sort(function (a, b) { return a.dataset.card - b.dataset.card; });
      if (sorted.some(function (c, i) { return c !== cards[i]; })) sorted.forEach(function (c) { col.appendChild(c); });
    });
  }

  // The countdown: a deadline and the server's clock, never ticks from the server.
  function readTimer() {
    var t = document.getElementById("timer");
    if (!t) return;
    var serverNow = Date.parse(t.dataset.serverNow);
    if (!isNaN(serverNow) && !t.dataset.offsetSet) {
      clockOffsetMs = serverNow - Date.now();
      t.dataset.offsetSet = "1";
    }
  }
  function fmt(seconds) {
    var s = Math.max(0, Math.ceil(seconds));
    var h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
    var mm = (h ? String(m).padStart(2, "0") : String(m));
    return (h ? h + ":" : "") + mm + ":" + String(r).padStart(2, "0");
  }
  function tick() {
    var t = document.getElementById("timer");
    if (t) {
      var value = t.querySelector(".timer-value"), label = t.querySelector(".timer-label");
      var left;
      if (t.dataset.status === "running") {
        left = (Date.parse(t.dataset.endsAt) - (Date.now() + clockOffsetMs)) / 1000;
      } else {
        left = parseInt(t.dataset.remaining || t.dataset.duration || "0", 10);
      }
      var up = t.dataset.status === "running" && left <= 0;
      value.textContent = up ? "Time's up" : fmt(left);
      t.classList.toggle("times-up", up);
      if (up && !t.dataset.announced) {
        t.dataset.announced = "1";
        var a = document.getElementById("announce-timer");
        if (a) a.textContent = "Time's up.";
      }
      if (label) label.hidden = up;
    }
    document.querySelectorAll(".elapsed").forEach(function (e) {
      var since = Date.parse(e.dataset.since);
      var secs = parseInt(e.dataset.base || "0", 10) + (Date.now() + clockOffsetMs - since) / 1000;
      e.textContent = Math.max(0, Math.round(secs / 60)) + " min";
    });
  }
  setInterval(tick, 250);

  document.addEventListener("DOMContentLoaded", function () {
    restoreDrafts();
    readTimer(); syncVotes(); syncMute(); syncComposer(); syncTimerControls(); layoutBoard(); syncSpotlight(); syncSignals(); syncPresence(); syncActionCards(); tick();
  });

  // A live frame may draw the composer's kinds again (the mute said again, say): the kind a
  // person chose stays chosen while it is still offered, in the phase they chose it in. Only a
  // choice they made counts: otherwise each phase's own default leads (templating.kinds_for).
  var chosenKind = null;
  function currentPhase() {
    var banner = document.getElementById("phase-banner");
    return banner ? banner.dataset.phase : "";
  }
  document.addEventListener("change", function (evt) {
    var el = evt.target;
    if (el.name === "kind" && el.closest("#composer-kinds")) {
      chosenKind = { value: el.value, phase: currentPhase() };
    }
  });
  function keepKind() {
    var kinds = document.getElementById("composer-kinds");
    if (!chosenKind || !kinds) return;
    if (chosenKind.phase !== currentPhase()) { chosenKind = null; return; }
    var value = CSS.escape(chosenKind.value);
    var select = kinds.querySelector("select[name=kind]");
    if (select) {
      if (select.querySelector('option[value="' + value + '"]')) select.value = chosenKind.value;
      return;
    }
    var radio = kinds.querySelector('input[name=kind][value="' + value + '"]');
    if (radio) radio.checked = true;
  }

  document.addEventListener("htmx:wsAfterMessage", function () {
    keepKind();
    readTimer(); syncVotes(); syncMute(); syncComposer(); syncTimerControls(); sortColumns(); layoutBoard(); syncSpotlight(); syncSignals(); syncPresence(); syncActionCards(); tick();
  });

  // The lobby: a long poll that answers as soon as the facilitator lets us in or not.
  function waitInLobby(box) {
    var url = box.dataset.waitUrl + "?wait=25";
    // The server answers within 25 s; a poll the network lost is started again.
    fetch(url, Object.assign({ credentials: "same-origin", cache: "no-store" }, timeLimit(40000)))
      .then(function (r) { return r.json(); })
      .then(function (body) {
        if (body.status === "waiting") { waitInLobby(box); return; }
        window.location.assign(body.next || "/r");
      })
      .catch(function () { setTimeout(function () { waitInLobby(box); }, 2000); });
  }
  document.addEventListener("DOMContentLoaded", function () {
    var box = document.querySelector("[data-wait-url]");
    if (box) waitInLobby(box);
  });

  // Drafts survive reconnects, reloads and a phone locking itself.
  function restoreDrafts() {
    document.querySelectorAll("textarea[data-draft]").forEach(function (area) {
      var saved = localStorage.getItem(area.dataset.draft);
      if (saved && !area.value) area.value = saved;
      area.addEventListener("input", function () { localStorage.setItem(area.dataset.draft, area.value); });
    });
  }
  function forgetDraft(form) {
    form.querySelectorAll("textarea[data-draft]").forEach(function (area) { localStorage.removeItem(area.dataset.draft); });
  }

  // A form the server took starts again from its defaults, so the next card is not posted
  // anonymously, or with the last card's source, by accident. `data-keep` names the fields
  // worth keeping (the kind: people often add several questions in a row).
  document.addEventListener("htmx:afterRequest", function (evt) {
    var form = evt.detail.elt;
    if (!evt.detail.successful || !form || form.tagName !== "FORM" || !form.hasAttribute("data-keep")) return;
    var keep = (form.dataset.keep || "").split(" ").filter(Boolean);
    var kept = keep.map(function (name) {
      var field = form.elements[name];
      return field ? (field.value !== undefined ? field.value : null) : null;
    });
    form.reset();
    keep.forEach(function (name, i) {
      var field = form.elements[name];
      if (!field || kept[i] === null) return;
      if (field instanceof RadioNodeList) {
        Array.prototype.forEach.call(field, function (r) { r.checked = r.value === kept[i]; });
      } else { field.value = kept[i]; }
    });
    form.querySelectorAll("details").forEach(function (d) { d.open = false; });
    forgetDraft(form);
    var saved = form.querySelector(".saved");
    if (saved) saved.hidden = false;
  });

})();
