// The caller's app: the live board, one tap to call, the call itself. No account, no form.
import { Socket, startTimer } from "/static/ecoute/socket.js";
import { PeerCall, openMicrophone } from "/static/ecoute/peer.js";
import { Board } from "/static/presence/board.js";

const KEY_NAME = "ecoute.callerKey";
const panel = document.getElementById("call-panel");
const title = document.getElementById("call-title");
const audio = document.getElementById("remote-audio");
const audioState = document.getElementById("call-audio-state");
const muteButton = panel.querySelector('[data-action="mute"]');

const AUDIO_STATES = {
  connected: "Vous êtes en communication.",
  connecting: "Connexion de l’audio…",
  new: "Connexion de l’audio…",
  disconnected: "La connexion est instable…",
  failed: "L’audio ne passe pas. Raccrochez et rappelez, ou appelez le numéro vert.",
};
const REASONS = {
  busy: (name) => `${name} vient de prendre un autre appel.`,
  declined: (name) => `${name} ne peut pas répondre tout de suite.`,
  missed: (name) => `${name} n’a pas pu décrocher à temps.`,
  lost: () => "La connexion a été perdue.",
};

// A random key that stays on this device so the caller can reach the same psychologist again.
// The server only ever stores its SHA-256.
function callerKey(renew = false) {
  let key = localStorage.getItem(KEY_NAME);
  if (!key || renew) {
    const bytes = crypto.getRandomValues(new Uint8Array(32));
    key = btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
    localStorage.setItem(KEY_NAME, key);
  }
  return key;
}

const call = { id: null, psychologistId: null, state: "idle", peer: null, microphone: null, stopTimer: null };

const board = new Board({
  container: document.getElementById("board-container"),
  mineSection: document.getElementById("mine"),
  mineList: document.getElementById("mine-list"),
  onTap: (id) => placeCall(id),
});

const socket = new Socket("/ws/line/", {
  onOpen: () => {
    document.getElementById("connection").hidden = true;
    // The server answers with every status as it is now, then each change as it happens.
    socket.send({ type: "hello", caller_key: callerKey() });
  },
  onClose: () => {
    document.getElementById("connection").hidden = false;
    if (call.state === "ringing" || call.state === "connected") {
      endLocally();
      showUnavailable("lost", null, null);
    }
  },
});

socket
  .on("hello", (event) => board.pin(event.my_psychologists))
  .on("presence", (event) => board.apply(event.changes))
  .on("call.ringing", (event) => { call.id = event.call_id; })
  .on("call.busy", (event) => { endLocally(); showUnavailable("busy", event.psychologist_id, event); })
  .on("call.unanswered", (event) => { endLocally(); showUnavailable(event.reason, event.psychologist_id, event); })
  .on("call.accepted", (event) => startAudio(event.ice))
  .on("signal", (event) => call.peer && call.peer.receive(event.signal))
  // Only for the call on screen: after the caller's own hang-up, the server's echo changes nothing.
  .on("call.ended", (event) => { if (event.call_id === call.id) { endLocally(); show("ended"); call.id = null; } })
  // Orientation (ecoute/directory): loaded on demand, so that the app shell works offline without it.
  .on("referral.card", (event) => import("/static/directory/referral_cards.js").then((cards) => cards.keepReferralCard(event.card)))
  .on("error", (event) => console.warn("Écoute:", event.code, event.message));

function show(state) {
  call.state = state;
  panel.dataset.state = state;
  panel.hidden = state === "idle";
  for (const part of panel.querySelectorAll("[data-show]")) part.hidden = part.dataset.show !== state;
  if (!panel.hidden) title.focus();
}

function placeCall(psychologistId) {
  if (call.state === "ringing" || call.state === "connected") return;
  call.psychologistId = psychologistId;
  title.textContent = `Appel de ${board.nameOf(psychologistId)}…`;
  document.getElementById("call-avatar").innerHTML = board.avatarOf(psychologistId);
  show("ringing");
  socket.send({ type: "call.request", psychologist_id: psychologistId });
  // The microphone opens while it rings, so that the voice flows as soon as they answer.
  call.microphone = openMicrophone().catch(() => null);
}

async function startAudio(ice) {
  const microphone = await call.microphone;
  if (!microphone) {
    hangUp();
    show("microphone");
    return;
  }
  title.textContent = board.nameOf(call.psychologistId);
  show("connected");
  call.stopTimer = startTimer(document.getElementById("call-timer"));
  call.peer = new PeerCall({
    ice,
    microphone,
    audio,
    sendSignal: (signal) => socket.send({ type: "signal", call_id: call.id, signal }),
    onState: (state) => { audioState.textContent = AUDIO_STATES[state] || ""; },
  });
  await call.peer.call();
}

function showUnavailable(reason, psychologistId, event) {
  const name = psychologistId ? board.nameOf(psychologistId) : "";
  title.textContent = "Pas de réponse";
  document.getElementById("unavailable-reason").textContent = REASONS[reason](name || "Ce psychologue");
  const alternative = event && event.alternative;
  const alternativeButton = panel.querySelector('[data-action="call-alternative"]');
  document.getElementById("alternative").hidden = !alternative;
  document.getElementById("nobody").hidden = Boolean(alternative) || !event;
  if (alternative) {
    alternativeButton.textContent = `Appeler ${alternative.name} maintenant`;
    alternativeButton.dataset.psychologist = alternative.id;
  }
  show("unavailable");
}

function endLocally() {
  if (call.stopTimer) call.stopTimer();
  if (call.peer) call.peer.close();
  else if (call.microphone) call.microphone.then((stream) => stream && stream.getTracks().forEach((t) => t.stop()));
  Object.assign(call, { peer: null, microphone: null, stopTimer: null });
  muteButton.setAttribute("aria-pressed", "false");
  muteButton.textContent = "Couper le micro";
}

function hangUp() {
  if (call.id) socket.send({ type: "call.hangup", call_id: call.id });
  const wasConnected = call.state === "connected";
  endLocally();
  call.id = null;
  show(wasConnected ? "ended" : "idle");
}

panel.addEventListener("click", (event) => {
  const action = event.target.closest("[data-action]")?.dataset.action;
  if (action === "hangup") hangUp();
  if (action === "back") { show("idle"); call.id = null; }
  if (action === "call-alternative") placeCall(Number(event.target.closest("[data-action]").dataset.psychologist));
  if (action === "mute" && call.peer) {
    const muted = muteButton.getAttribute("aria-pressed") !== "true";
    call.peer.setMuted(muted);
    muteButton.setAttribute("aria-pressed", String(muted));
    muteButton.textContent = muted ? "Réactiver le micro" : "Couper le micro";
  }
});

// Quick exit: end any call, wipe the screen and leave for a neutral page, without a way back.
document.getElementById("quick-exit").addEventListener("click", (event) => {
  event.preventDefault();
  const neutralUrl = event.currentTarget.dataset.neutralUrl;
  if (call.id) socket.send({ type: "call.hangup", call_id: call.id });
  endLocally();
  document.body.replaceChildren();
  document.title = "";
  sessionStorage.clear();
  location.replace(neutralUrl);
});

document.getElementById("forget-device").addEventListener("click", () => {
  socket.send({ type: "hello", caller_key: callerKey(true) });
  board.pin([]);
});

// The referral cards this device kept from earlier calls (ecoute/directory).
import("/static/directory/referral_cards.js").catch(() => {});

const serviceWorker = document.querySelector("script[data-service-worker]")?.dataset.serviceWorker;
if (serviceWorker && "serviceWorker" in navigator) navigator.serviceWorker.register(serviceWorker, { scope: "/" });

// For the browser tests and for support: the live peer connection, nothing else.
window.ecoute = { peerConnection: () => call.peer && call.peer.pc, state: () => call.state };
