/* Peer Assist Live: the action list's cards. An action names the cards it came from, and the
   action editor offers the cards an action may grow from; both follow the board as it changes
   (app.js calls `sync` after every live update). */
(function () {
  "use strict";

  // An action names the cards it came from by their words, where this screen has them; the
  // action editor offers the cards an action grows from (data-kinds), most voted first,
  // the ones written since the page loaded too.
  function syncActionCards() {
    document.querySelectorAll("fieldset.linked-cards[data-kinds]").forEach(function (set) {
      var box = set.querySelector(".choices");
      var chosen = Array.prototype.map.call(box.querySelectorAll("input:checked"), function (i) { return i.value; });
      var kinds = (set.dataset.kinds || "").split(" ");
      var cards = Array.prototype.slice.call(document.querySelectorAll("#board .card[data-card]"))
        .filter(function (c) { return kinds.some(function (k) { return c.classList.contains("kind-" + k); }); });
      var votes = function (c) { var v = c.querySelector("#votes-" + c.dataset.card); return v ? +v.textContent : 0; };
      cards.sort(function (a, b) { return votes(b) - votes(a) || a.dataset.card - b.dataset.card; });
      var wanted = cards.map(function (c) {
        var text = c.querySelector(".text");
        return [c.dataset.card, text ? text.textContent.trim().slice(0, 80) : ""];
      }).filter(function (pair) { return pair[1]; });
      var now = Array.prototype.map.call(box.querySelectorAll("label"), function (l) {
        return l.querySelector("input").value + "\u0000" + l.textContent.trim();
      });
      if (now.join("\u0001") === wanted.map(function (p) { return p[0] + "\u0000" + p[1]; }).join("\u0001")) return;
      box.replaceChildren();
      wanted.forEach(function (pair) {
        var label = document.createElement("label");
        label.className = "check";
        var input = document.createElement("input");
        input.type = "checkbox";
        input.name = "card_ids";
        input.value = pair[0];
        input.checked = chosen.indexOf(pair[0]) >= 0;
        var words = document.createElement("span");
        words.textContent = pair[1];
        label.append(input, " ", words);
        box.appendChild(label);
      });
    });
    document.querySelectorAll(".from-cards[data-cards]").forEach(function (p) {
      var words = p.dataset.cards.split(" ").map(function (id) {
        var text = document.querySelector("#card-" + id + " .text");
        return text ? "\u201c" + text.textContent.trim() + "\u201d" : null;
      }).filter(Boolean);
      if (words.length) p.textContent = "From " + words.join(", ");
    });
  }

  window.paActions = { sync: syncActionCards };
})();
