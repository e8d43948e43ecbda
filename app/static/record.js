/* The record's pages: a print button, and a share link selected for copying when it appears.
   No inline handlers, so a strict Content-Security-Policy holds. */
(function () {
  "use strict";
  document.addEventListener("click", function (evt) {
    var button = evt.target.closest && evt.target.closest("[data-print]");
    if (button) window.print();
  });
  document.addEventListener("htmx:afterSwap", function () {
    var url = document.querySelector(".share-url");
    if (url) { url.focus(); url.select(); }
  });
})();
