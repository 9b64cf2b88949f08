// « Imprimer le bilan »: a listener rather than an onclick attribute, which the CSP forbids.
for (const button of document.querySelectorAll("[data-action=print]")) {
  button.addEventListener("click", () => window.print());
}
