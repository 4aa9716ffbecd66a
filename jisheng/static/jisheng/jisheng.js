// Small behaviours shared by every page. No inline scripts anywhere: the CSP forbids them.
document.addEventListener("click", function (event) {
  const target = event.target.closest("[data-print]");
  if (target) { window.print(); }
});
document.addEventListener("submit", function (event) {
  const message = event.target.getAttribute("data-confirm");
  if (message && !window.confirm(message)) { event.preventDefault(); }
});
