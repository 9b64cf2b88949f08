// A self-test scored on the device: the answers never leave it. Only if the person asks, the
// result's band and their profession are sent as one anonymous count (the month is the server's).
import { forget, keep } from "./results_store.js";

const data = JSON.parse(document.getElementById("instrument-data").textContent);
const form = document.getElementById("selftest");
const result = document.getElementById("result");
const urgentHelp = document.getElementById("urgent-help");
let current = null;

function answerOf(index) {
  const checked = form.querySelector(`input[name="item-${index}"]:checked`);
  return checked ? Number(checked.value) : null;
}

// The one rule above the score: an answer above 0 to the urgent item shows help at once.
form.addEventListener("change", (event) => {
  if (data.urgentItem === null || event.target.name !== `item-${data.urgentItem}`) return;
  if (Number(event.target.value) > 0 && urgentHelp) urgentHelp.hidden = false;
});

export function score(answers) {
  const total = answers.reduce((sum, value) => sum + value, 0) * data.multiplier;
  const band = data.bands.find((b) => b.low <= total && total <= b.high);
  const urgent = data.urgentItem !== null && answers[data.urgentItem] > 0;
  return { total, band, urgent };
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  const answers = data.items.map((_, index) => answerOf(index));
  const missing = answers.findIndex((value) => value === null);
  document.getElementById("missing").hidden = missing < 0;
  form.querySelectorAll("fieldset.item").forEach((fieldset, index) => {
    fieldset.toggleAttribute("aria-invalid", answers[index] === null);
  });
  if (missing >= 0) {
    document.querySelector(`#item-${missing} input`).focus();
    return;
  }
  current = { ...score(answers), id: `${data.code}-${Date.now()}` };
  document.getElementById("score").textContent = current.total;
  document.getElementById("band-label").textContent = current.band.label;
  document.getElementById("band-meaning").textContent = current.band.meaning;
  document.getElementById("result-urgent").hidden = !current.urgent;
  document.getElementById("keep").checked = false;
  document.getElementById("contribute-status").textContent = "";
  result.hidden = false;
  result.dataset.score = current.total;
  result.dataset.band = current.band.code;
  result.focus();
});

document.getElementById("keep").addEventListener("change", (event) => {
  if (!current) return;
  if (event.target.checked) {
    keep({
      id: current.id,
      test: data.code,
      day: new Date().toISOString().slice(0, 10),
      score: current.total,
      max: data.max,
      band: current.band.label,
    });
  } else {
    forget(current.id);
  }
});

document.getElementById("contribute").addEventListener("submit", async (event) => {
  event.preventDefault();
  if (!current) return;
  const status = document.getElementById("contribute-status");
  const button = event.target.querySelector("button");
  button.disabled = true;
  try {
    const response = await fetch(form.dataset.contributeUrl, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      credentials: "omit",
      body: JSON.stringify({ band: current.band.code, profession: document.getElementById("profession").value }),
    });
    const body = await response.json();
    status.textContent = response.ok ? gettext("Merci : votre résultat est compté, anonymement.") : body.error;
    if (!response.ok) button.disabled = false;
  } catch {
    status.textContent = gettext("Pas de connexion : rien n’a été envoyé.");
    button.disabled = false;
  }
});
