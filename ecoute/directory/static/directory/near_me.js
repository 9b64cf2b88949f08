// "Autour de moi": the browser's position, rounded to about a kilometre here, before it leaves the phone.
/* global gettext */
const PRECISION = 100; // two decimals of a degree: about 1 km

for (const button of document.querySelectorAll("[data-near-me]")) {
  const form = button.closest("form");
  const status = form.querySelector("[data-near-me-status]");
  const say = (text) => { status.hidden = false; status.textContent = text; };
  if (!("geolocation" in navigator)) { button.hidden = true; continue; }
  button.addEventListener("click", () => {
    say(gettext("Recherche de votre position…"));
    navigator.geolocation.getCurrentPosition(
      (position) => {
        form.elements.lat.value = Math.round(position.coords.latitude * PRECISION) / PRECISION;
        form.elements.lon.value = Math.round(position.coords.longitude * PRECISION) / PRECISION;
        form.elements.q.value = "";
        form.submit();
      },
      () => say(gettext("Position indisponible : tapez plutôt un code postal ou une commune.")),
      { enableHighAccuracy: false, timeout: 10000, maximumAge: 600000 },
    );
  });
  // A typed place replaces a position found earlier.
  form.elements.q.addEventListener("input", () => { form.elements.lat.value = ""; form.elements.lon.value = ""; });
}
