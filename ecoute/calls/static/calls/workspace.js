// The psychologist's workspace: availability, the ring, the call, the wrap-up.
/* global gettext */
import { Socket, formatDuration, startTimer } from "/static/ecoute/socket.js";
import { PeerCall, openMicrophone } from "/static/ecoute/peer.js";
import { CallAudio, RingingTab, Ringtone, exposeForTests } from "/static/ecoute/call_ui.js";
import { proposeFollowUps } from "/static/followup/propose.js";

const HEARTBEAT_MS = 5000;
const root = document.getElementById("workspace");
const connection = document.getElementById("connection");
const STATUS_LABELS = {
  offline: gettext("Hors ligne"), available: gettext("Disponible"), break: gettext("En pause"),
  ringing: gettext("Un appel sonne"), in_call: gettext("En communication"), wrap_up: gettext("Fin d’appel"),
};
const callAudio = new CallAudio({
  root,
  states: {
    connected: gettext("L’audio passe."), connecting: gettext("Connexion de l’audio…"), new: gettext("Connexion de l’audio…"),
    disconnected: gettext("La connexion est instable…"), failed: gettext("L’audio ne passe pas : raccrochez."),
  },
});

const escalationStatus = document.getElementById("escalation-status");
const ESCALATIONS = {
  help: gettext("Demande d’aide envoyée : un cadre va vous rejoindre."),
  transfer: gettext("Demande de transfert envoyée : un cadre va prendre l’appel."),
  callback: gettext("Rappel immédiat demandé : il reste affiché chez les cadres jusqu’à ce qu’un cadre le prenne."),
};

// Signals can arrive while the microphone is still opening: they wait in `pending`.
const call = { id: null, peer: null, microphone: null, stopTimer: null, ringTimer: null, wrapTimer: null, remindTimer: null, pending: [] };
const ringtone = new Ringtone();
// Seen from another tab too: the title and the icon say a call is ringing, until it stops.
const ringingTab = new RingingTab({ title: gettext("Un appel sonne"), icon: root.dataset.ringingIcon });

const socket = new Socket("/ws/workspace/", {
  onOpen: () => { connection.hidden = true; },
  onClose: (close) => {
    if (close.code === 4409) return show("replaced");
    if (close.code === 4401) return window.location.reload();  // the session ended: the page sends to the login
    connection.textContent = gettext("Connexion perdue : vous n’êtes plus visible des appelants. Reconnexion…");
    connection.hidden = false;
    stopRinging();
    endAudio();
  },
});
setInterval(() => { if (socket.isOpen) socket.send({ type: "heartbeat" }); }, HEARTBEAT_MS);
// The call talked on, or the one just ended during its wrap-up.
proposeFollowUps(root, socket, () => call.id || call.lastId);

socket
  .on("presence.self", (event) => showPresence(event))
  .on("call.ringing", (event) => ring(event))
  .on("call.cancelled", (event) => { if (event.call_id === call.id) { stopRinging(); call.id = null; } })
  // Accepted here, resumed after a reload, or a supervisor's call-back from the board (nothing rang
  // here then): the call is named by this event.
  .on("call.connected", (event) => { call.id = event.call_id; if ("phone" in event) showPhoneCall(event.phone); startAudio(event.ice); })
  // Warm transfer: a supervisor's workspace joins a call going on; the psychologist may then leave.
  .on("call.joined", (event) => { call.id = event.call_id; escalationStatus.textContent = gettext("Vous avez rejoint l’appel."); startAudio(event.ice); })
  .on("call.supervisor_joined", () => {
    escalationStatus.textContent = gettext("Un cadre a rejoint l’appel.");
    document.getElementById("hand-over").hidden = false;
  })
  .on("call.handed_over", () => { escalationStatus.textContent = gettext("L’appel vous a été passé : vous le poursuivez."); })
  .on("signal", (event) => (call.peer ? call.peer.receive(event.signal) : call.pending.push(event.signal)))
  .on("call.ended", (event) => { endAudio(); call.lastId = event.call_id; call.id = null; })
  .on("session.replaced", () => show("replaced"))
  .on("escalation.sent", (event) => { escalationStatus.textContent = ESCALATIONS[event.kind]; })
  .on("emergency.flagged", () => { document.getElementById("emergency-guidance").hidden = false; })
  .on("debrief.requested", () => {
    document.getElementById("debrief").hidden = true;
    escalationStatus.textContent = gettext("Débriefing demandé : un cadre vous contacte.");
  })
  .on("error", (event) => {
    connection.textContent = event.message;
    connection.hidden = false;
    setTimeout(() => { connection.hidden = true; }, 6000);
  });

function show(state) {
  root.dataset.state = state;
  for (const part of root.querySelectorAll("[data-show]")) part.hidden = part.dataset.show !== state;
}

function showPresence({ status, wrap_up_until: wrapUpUntil, record_due: recordDue, remind_at: remindAt, debrief_due: debriefDue }) {
  document.getElementById("debrief").hidden = !debriefDue;
  document.getElementById("status-label").textContent = STATUS_LABELS[status];
  for (const button of root.querySelectorAll("[data-status]")) {
    button.setAttribute("aria-pressed", String(button.dataset.status === status));
  }
  clearInterval(call.wrapTimer);
  showRecordDue(status === "wrap_up" && recordDue, remindAt);
  if (status === "wrap_up" && wrapUpUntil) {
    const until = new Date(wrapUpUntil).getTime();
    const tick = () => {
      document.getElementById("wrap-up-countdown").textContent = formatDuration(Math.max(0, (until - Date.now()) / 1000));
    };
    tick();
    call.wrapTimer = setInterval(tick, 1000);
  }
  // The ringing panel waits for call.ringing, which names the call: presence.self comes a moment
  // before it, and an Accept shown then did nothing (no call to accept yet).
  if (status === "ringing") { if (call.id) show("ringing"); }
  else if (status === "in_call") show("in_call");
  else show(status);
  // Keep the microphone ready while available: answering must not wait for it.
  if (status === "available" && !call.microphone) call.microphone = openMicrophone().catch(() => null);
}

// While the record is unsaved the wrap-up has no end; past the usual time, a gentle reminder.
function showRecordDue(due, remindAt) {
  clearTimeout(call.remindTimer);
  document.getElementById("wrap-up-record").hidden = !due;
  document.getElementById("wrap-up-timer").hidden = due;
  const reminder = document.getElementById("wrap-up-reminder");
  reminder.hidden = true;
  if (!due || !remindAt) return;
  call.remindTimer = setTimeout(() => {
    document.getElementById("wrap-up-record").hidden = true;
    reminder.hidden = false;
  }, Math.max(0, new Date(remindAt).getTime() - Date.now()));
}

// A call from the numéro vert (ecoute/telephony): said on the ringing and in-call panels.
function showPhoneCall(phone) {
  for (const note of root.querySelectorAll("[data-phone-call]")) note.hidden = !phone;
  for (const part of root.querySelectorAll("[data-app-call]")) part.hidden = phone;
  document.getElementById("follow-up-code").textContent = "";
}

// « Donner un code de suivi »: six digits to say aloud; keyed in the phone menu next time, they bring
// the caller back to this psychologist first.
document.getElementById("follow-up-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const output = document.getElementById("follow-up-code");
  const url = root.dataset.followUpUrl.replace("00000000-0000-0000-0000-000000000000", call.id);
  const response = await fetch(url, { method: "POST", credentials: "same-origin", body: new FormData(event.target) });
  const answer = await response.json().catch(() => ({ error: gettext("Le code n’a pas pu être créé.") }));
  output.textContent = answer.code
    ? interpolate(gettext("Code de suivi : %(code)s — dites-le à l’appelant, chiffre par chiffre."), { code: `${answer.code.slice(0, 3)} ${answer.code.slice(3)}` }, true)
    : answer.error;
});

function ring(event) {
  call.id = event.call_id;
  document.getElementById("returning-caller").hidden = !event.returning;
  showPhoneCall(Boolean(event.phone));
  show("ringing");
  ringtone.start();
  ringingTab.start();
  let remaining = Number(root.dataset.ringTimeout);
  const countdown = document.getElementById("ring-countdown");
  countdown.textContent = remaining;
  call.ringTimer = setInterval(() => { countdown.textContent = Math.max(0, --remaining); }, 1000);
  root.querySelector('[data-action="accept"]').focus();
  if ("Notification" in window && Notification.permission === "granted" && document.hidden) {
    const notification = new Notification(gettext("Écoute : un appel arrive"), {
      body: gettext("Décrochez dans votre espace."), tag: "ecoute-call", requireInteraction: true,
    });
    notification.onclick = () => { window.focus(); notification.close(); };
  }
}

function stopRinging() {
  ringtone.stop();
  ringingTab.stop();
  clearInterval(call.ringTimer);
}

async function startAudio(ice) {
  stopRinging();
  show("in_call");
  call.stopTimer = startTimer(document.getElementById("call-timer"));
  const microphone = await (call.microphone || openMicrophone().catch(() => null));
  if (!microphone) {
    callAudio.say(gettext("Micro inaccessible : autorisez-le dans le navigateur."));
    return;
  }
  call.microphone = null;
  call.peer = new PeerCall({
    ice, microphone, ...callAudio.peerOptions(),
    sendSignal: (signal) => socket.send({ type: "signal", call_id: call.id, signal }),
  });
  for (const signal of call.pending.splice(0)) await call.peer.receive(signal);
}

function endAudio() {
  escalationStatus.textContent = "";
  document.getElementById("hand-over").hidden = true;
  document.getElementById("emergency-guidance").hidden = true;
  document.getElementById("emergency-reason").value = "";
  if (call.stopTimer) call.stopTimer();
  if (call.peer) call.peer.close();
  Object.assign(call, { peer: null, stopTimer: null, pending: [] });
  callAudio.reset();
}

const actions = {
  accept: () => call.id && socket.send({ type: "call.accept", call_id: call.id }),
  decline: () => { if (call.id) { socket.send({ type: "call.decline", call_id: call.id }); stopRinging(); } },
  hangup: () => call.id && socket.send({ type: "call.hangup", call_id: call.id }),
  ready: () => socket.send({ type: "status.set", status: "available" }),
  "take-over": () => location.reload(),
  "hand-over": () => call.id && socket.send({ type: "call.hand_over", call_id: call.id }),
  "debrief-request": () => socket.send({ type: "debrief.request" }),
  "debrief-dismiss": () => { document.getElementById("debrief").hidden = true; socket.send({ type: "debrief.dismiss" }); },
  mute: () => callAudio.toggleMute(call.peer),
};

root.addEventListener("click", (event) => {
  const statusButton = event.target.closest("[data-status]");
  if (statusButton) socket.send({ type: "status.set", status: statusButton.dataset.status });
  const action = event.target.closest("[data-action]")?.dataset.action;
  if (action) actions[action]();
  const escalation = event.target.closest("[data-escalate]")?.dataset.escalate;
  if (escalation && call.id) socket.send({ type: "call.escalate", call_id: call.id, kind: escalation });
});

document.getElementById("emergency-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const reason = document.getElementById("emergency-reason").value.trim();
  if (call.id && reason) socket.send({ type: "call.emergency", call_id: call.id, reason });
});

// One hand on the keyboard during a shift.
document.addEventListener("keydown", (event) => {
  if (event.target.closest("input, textarea, select") || event.ctrlKey || event.metaKey || event.altKey) return;
  const state = root.dataset.state;
  const key = event.key.toLowerCase();
  if (state === "ringing" && key === "enter") { event.preventDefault(); actions.accept(); }
  else if (state === "ringing" && key === "r") actions.decline();
  else if (state === "in_call" && key === "m") actions.mute();
  else if (state === "in_call" && key === "escape") actions.hangup();
  else if (!["ringing", "in_call"].includes(state)) {
    const status = { d: "available", p: "break", h: "offline" }[key];
    if (status) socket.send({ type: "status.set", status });
  }
});

const hint = document.getElementById("notifications-hint");
if ("Notification" in window && Notification.permission === "default") {
  hint.hidden = false;
  document.getElementById("enable-notifications").addEventListener("click", () => {
    Notification.requestPermission().then(() => { hint.hidden = true; });
  });
}

exposeForTests({ peer: () => call.peer, state: () => root.dataset.state });
