// The supervision board: redrawn from the server every few seconds and at once on each alert.
/* global gettext, interpolate */
import { Socket } from "/static/ecoute/socket.js";

const REFRESH_MS = 2000;
const root = document.getElementById("supervision");
const connection = document.getElementById("connection");
const announcer = document.getElementById("alert-announcer");

async function refresh() {
  const response = await fetch(root.dataset.boardUrl, { headers: { Accept: "text/html" } });
  if (!response.ok) return;
  // Keep the keyboard focus where it was across redraws.
  const focused = document.activeElement?.dataset || {};
  root.innerHTML = await response.text();
  for (const key of ["takeAlert", "takeCall"]) {
    if (focused[key]) root.querySelector(`[data-${key === "takeAlert" ? "take-alert" : "take-call"}="${focused[key]}"]`)?.focus();
  }
}

const socket = new Socket("/ws/supervision/", {
  onOpen: () => { connection.hidden = true; refresh(); },
  onClose: () => { connection.textContent = gettext("Connexion perdue : reconnexion…"); connection.hidden = false; },
});
socket
  .on("alert", (event) => { announcer.textContent = interpolate(gettext("Alerte : %(label)s"), { label: event.label }, true); beep(); refresh(); })
  .on("alert.closed", () => refresh())
  .on("call.taken", () => { announcer.textContent = gettext("L’appel sonne dans votre espace d’écoute."); refresh(); })
  .on("call.joining", () => { announcer.textContent = gettext("Vous rejoignez l’appel dans votre espace d’écoute."); refresh(); })
  .on("error", (event) => { connection.textContent = event.message; connection.hidden = false; setTimeout(() => { connection.hidden = true; }, 6000); });
setInterval(refresh, REFRESH_MS);

root.addEventListener("click", (event) => {
  const alert = event.target.closest("[data-take-alert]");
  if (alert) socket.send({ type: "alert.take", alert_id: Number(alert.dataset.takeAlert) });
  const call = event.target.closest("[data-take-call]");
  if (call) socket.send({ type: "call.take", call_id: call.dataset.takeCall });
  const join = event.target.closest("[data-join-call]");
  if (join) socket.send({ type: "call.join", call_id: join.dataset.joinCall });
});

document.addEventListener("keydown", (event) => {
  if (event.target.closest("input, textarea, select") || event.ctrlKey || event.metaKey || event.altKey) return;
  const key = event.key.toLowerCase();
  if (key === "a") root.querySelector("[data-take-alert]")?.click();
  if (key === "f") root.querySelector("[data-take-call]")?.click();
});

// A short tone: an alert must be noticed even when the board is not looked at.
function beep() {
  try {
    const context = new AudioContext();
    const oscillator = context.createOscillator();
    const gain = context.createGain();
    oscillator.frequency.value = 880;
    gain.gain.setValueAtTime(0.15, context.currentTime);
    gain.gain.exponentialRampToValueAtTime(0.0001, context.currentTime + 0.4);
    oscillator.connect(gain).connect(context.destination);
    oscillator.start();
    oscillator.stop(context.currentTime + 0.4);
  } catch { /* no audio: the visual alert remains */ }
}
