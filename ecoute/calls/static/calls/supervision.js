// The supervision board: redrawn from the server every few seconds and at once on each alert.
/* global gettext, ngettext, interpolate */
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
  // A block being chosen stays open across redraws, with its duration.
  const open = [...root.querySelectorAll("details.block-controls[open]")].map((details) => ({
    key: details.dataset.blockKey, hours: details.querySelector("[data-block-hours]").value }));
  root.innerHTML = await response.text();
  for (const { key, hours } of open) {
    const details = root.querySelector(`details[data-block-key="${key}"]`);
    if (details) { details.open = true; details.querySelector("[data-block-hours]").value = hours; }
  }
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
  // One more alert of a group already shown (one source, a few seconds): its count changes, no new alarm.
  .on("alert.grouped", () => refresh())
  // The coming hour's risk of waiting moved (listeners came or left): read it at once.
  .on("coverage.risk", () => refresh())
  .on("call.blocked", (event) => {
    announcer.textContent = interpolate(ngettext("Blocage enregistré pour %(hours)s h ; %(count)s appel en attente terminé.",
      "Blocage enregistré pour %(hours)s h ; %(count)s appels en attente terminés.", event.ended), { hours: event.hours, count: event.ended }, true);
    connection.textContent = announcer.textContent; connection.hidden = false; setTimeout(() => { connection.hidden = true; }, 6000);
    refresh();
  })
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
  const block = event.target.closest("[data-block-call]");
  if (block) {
    const hours = Number(block.closest("details").querySelector("[data-block-hours]").value);
    const question = block.dataset.blockScope === "device"
      ? gettext("Bloquer cet appareil pour %(hours)s h ? Ses appels en attente seront terminés ; il verra les numéros d’urgence.")
      : gettext("Bloquer cette source pour %(hours)s h ? Tous ses appels en attente seront terminés ; un réseau partagé (hôpital) serait bloqué aussi.");
    if (window.confirm(interpolate(question, { hours }, true))) {
      socket.send({ type: "call.block", call_id: block.dataset.blockCall, scope: block.dataset.blockScope, hours });
    }
  }
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
