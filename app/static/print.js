/* The print view's one button (a strict CSP allows no inline handlers). */
document.addEventListener("click", function (evt) {
  if (evt.target.closest && evt.target.closest("[data-print]")) window.print();
});
