/* Peer Assist Live: the facilitator's controls, the timer's and the invite links'.

   The timer: Pause and Resume are offered only when they apply (the server refuses the
   others, 409). Start, once the timer runs, and Reset would throw away the time left and any
   extensions, on every screen in the room: each asks once more first, and a confirmation not
   given within 8 s lapses. */
(function () {
  "use strict";

  function timerState() {
    var timer = document.getElementById("timer");
    return timer ? timer.dataset.status : null;
  }
  // A button that asks twice: data-idle (its label when nothing is lost), data-armable (its
  // label when something would be), data-confirm (its label while it waits for the second
  // press) and data-hint (the id of the sentence that says what the second press does).
  function armable() { return document.querySelectorAll(".timer-controls [data-confirm]"); }
  function wouldLose() {
    var status = timerState();
    return status === "running" || status === "paused";
  }
  function sync() {
    var status = timerState();
    if (status === null) return;
    var pause = document.getElementById("timer-pause");
    var resume = document.getElementById("timer-resume");
    // The one pressed gives the keyboard's focus to the other, not to the page.
    var focused = document.activeElement;
    if (pause) pause.disabled = status !== "running";
    if (resume) resume.disabled = status !== "paused";
    if (focused && focused.disabled && (focused === pause || focused === resume)) {
      (focused === pause ? resume : pause).focus();
    }
    var losing = wouldLose();
    armable().forEach(function (button) {
      if (!button.dataset.armed) button.textContent = losing ? button.dataset.armable : button.dataset.idle;
    });
  }
  function disarm(button) {
    delete button.dataset.armed;
    var hint = document.getElementById(button.dataset.hint);
    if (hint) hint.hidden = true;
    sync();
  }
  document.addEventListener("click", function (evt) {
    var button = evt.target.closest && evt.target.closest(".timer-controls [data-confirm]");
    // A retry after a lost answer (app.js) clicks for itself: it goes straight to htmx, with
    // the first try's key, whatever the timer shows by then.
    if (!button || !evt.isTrusted) return;
    if (!wouldLose() || button.dataset.armed) {
      setTimeout(function () { disarm(button); }, 0);
      return; // on to htmx, which posts it
    }
    evt.stopPropagation();
    evt.preventDefault();
    armable().forEach(function (other) { if (other !== button && other.dataset.armed) disarm(other); });
    button.dataset.armed = "1";
    button.textContent = button.dataset.confirm;
    var hint = document.getElementById(button.dataset.hint);
    if (hint) hint.hidden = false;
    clearTimeout(button._disarm);
    button._disarm = setTimeout(function () { disarm(button); }, 8000);
  }, true);

  window.paControls = { sync: sync };

  // Invite links: a click in one selects it whole; its Copy button puts it on the clipboard
  // (the links were cut off in their boxes, and a phone's long-press selects a word). Where
  // the clipboard is not offered (a plain-http address), the link is left selected to copy.
  document.addEventListener("click", function (evt) {
    var target = evt.target;
    if (!target.closest) return;
    if (target.matches("input.copy")) target.select();
    var button = target.closest("button.copy-link");
    if (!button) return;
    var box = document.getElementById(button.getAttribute("aria-controls"));
    var said = button.parentNode.querySelector(".copied");
    // Emptied first and filled a moment later, so a screen reader hears a second copy too;
    // emptied again after a while, so the sentence does not outlive what it says.
    function done(text) {
      if (!said) return;
      said.textContent = "";
      clearTimeout(said._clear);
      setTimeout(function () { said.textContent = text; }, 50);
      said._clear = setTimeout(function () { said.textContent = ""; }, 6000);
    }
    box.select();
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(box.value).then(
        function () { done("Copied."); },
        function () { done("Selected: copy it with your keyboard or menu."); }
      );
    } else {
      done("Selected: copy it with your keyboard or menu.");
    }
  });
})();
