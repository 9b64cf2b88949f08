// The caller's app: the live board, one tap to call, the call itself. No account, no form.
// Its texts come from the JavaScript catalog (/jsi18n/, loaded by the page first), French by default.
/* global gettext, ngettext, interpolate */
import { Socket, formatDuration, startTimer } from "/static/ecoute/socket.js";
import { PeerCall, openMicrophone } from "/static/ecoute/peer.js";
import { CallAudio, Ringback, exposeForTests, primeAudio } from "/static/ecoute/call_ui.js";
import { Board } from "/static/presence/board.js";
import { offerFeedback, withdrawFeedback } from "/static/feedback/after_call.js";
import { offerFollowUp, redeemPending, showWayBack, takeTokenFromAddress, withdrawFollowUp } from "/static/followup/follow_up.js";

const KEY_NAME = "ecoute.callerKey";
const panel = document.getElementById("call-panel");
const title = document.getElementById("call-title");
const callAudio = new CallAudio({
  root: panel,
  states: {
    connected: gettext("Vous êtes en communication."),
    connecting: gettext("Connexion de l’audio…"),
    new: gettext("Connexion de l’audio…"),
    disconnected: gettext("La connexion est instable…"),
    failed: gettext("L’audio ne passe pas. Raccrochez et rappelez, ou appelez le numéro vert."),
  },
  muteLabels: [gettext("Couper le micro"), gettext("Réactiver le micro")],
});
// Heard while it rings, so that the caller knows the call is on its way (not only by a pulsing text).
const ringback = new Ringback();
const REASONS = {
  busy: (name) => interpolate(gettext("%(name)s vient de prendre un autre appel."), { name }, true),
  declined: (name) => interpolate(gettext("%(name)s ne peut pas répondre tout de suite."), { name }, true),
  missed: (name) => interpolate(gettext("%(name)s n’a pas pu décrocher à temps."), { name }, true),
  lost: () => gettext("La connexion a été perdue."),
};
// What the line says when a call cannot be placed now (ecoute/abuse): calm, never a silent failure.
const LIMITED = {
  blocked: () => gettext("Cet appareil ne peut plus appeler par l’application pendant quelques heures. Vous pouvez toujours appeler le numéro vert ou les numéros d’urgence."),
  too_many_calls: () => gettext("Beaucoup d’appels sont partis de cet appareil en peu de temps. Réessayez dans quelques minutes, ou appelez le numéro vert."),
  too_many_connections: () => gettext("Trop de connexions arrivent de votre réseau en ce moment. Réessayez dans un instant, ou appelez le numéro vert."),
  slow_down: () => gettext("Votre appareil envoie trop de messages. Patientez un instant, puis réessayez, ou appelez le numéro vert."),
  proof_failed: () => gettext("La vérification de la connexion n’a pas abouti. Réessayez, ou appelez le numéro vert."),
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

const call = { id: null, psychologistId: null, state: "idle", peer: null, microphone: null, stopTimer: null, queued: false, bySupervisor: false };
// The last call.request or queue.join sent: sent again with a proof of work if the line asks for one.
let lastCallMessage = null;
// The queue's rules as the server sent them (queue.joined), and what the waiting screen shows.
const queue = { rules: {}, switchTimer: null, waitingFor: null, waitedTimer: null };
const HEARTBEAT_MS = 10000;

const board = new Board({
  container: document.getElementById("board-container"),
  mineSection: document.getElementById("mine"),
  mineList: document.getElementById("mine-list"),
  banner: document.getElementById("freed-banner"),
  onTap: (id) => placeCall(id),
});

const socket = new Socket("/ws/line/", {
  onOpen: () => {
    document.getElementById("connection").hidden = true;
    // The server answers with every status as it is now, then each change as it happens.
    socket.send({ type: "hello", caller_key: callerKey() });
    redeemPending(socket);  // back by a follow-up link: its psychologist is offered first
    // Back after a network loss or a server restart: the queued call picks up where it is.
    // The join is sent again with the call's own id: the server resumes it, or makes it if it never arrived.
    if (call.id && call.queued && call.state !== "connected") socket.send({ type: "queue.join", call_id: call.id });
  },
  onClose: () => {
    document.getElementById("connection").hidden = false;
    if (call.queued && call.state !== "connected") return;  // the place in the queue is kept: resumed on reconnection
    if (call.state === "ringing" || call.state === "connected") {
      endLocally();
      showUnavailable("lost", null, null);
    }
  },
});

socket
  .on("hello", (event) => board.pin(event.my_psychologists))
  .on("presence", (event) => board.apply(event.changes))
  .on("call.ringing", (event) => {
    call.id = event.call_id;
    call.bySupervisor = event.by_supervisor;
    if (event.by_supervisor) showSupervisorCallingBack(event.psychologist_id);
    else if (call.queued) showQueuedRinging(event.psychologist_id);
  })
  .on("queue.joined", (event) => { call.id = event.call_id; queue.rules = event; })
  .on("queue.position", (event) => { if (event.call_id === call.id) showPosition(event); })
  .on("queue.supervisors_alerted", (event) => { if (event.call_id === call.id) showSupervisorsAlerted(true); })
  .on("call.busy", (event) => { endLocally(); showUnavailable("busy", event.psychologist_id, event); })
  .on("call.unanswered", (event) => {
    if (event.queued) { show("waiting"); return; }  // back to its place in the queue: the next psychologist rings
    endLocally();
    showUnavailable(event.reason, event.psychologist_id, event);
  })
  .on("call.accepted", (event) => startAudio(event.ice))
  .on("signal", (event) => {
    const peer = event.from === "supervisor" ? call.second : call.peer;
    if (peer) peer.receive(event.signal);
  })
  .on("call.supervisor_joined", (event) => joinSupervisor(event.ice))
  .on("call.supervisor_left", () => { if (call.second) { call.second.close(); call.second = null; } })
  .on("call.handed_over", () => handedOver())
  // A follow-up proposed by the psychologist, during the call or its wrap-up: the caller's choice.
  .on("follow_up.proposed", (event) => offerFollowUp(event, board.nameOf(call.psychologistId), () => { if (panel.hidden) show("ended"); }))
  .on("follow_up.redeemed", (event) => showWayBack({
    psychologistId: event.psychologist_id, available: event.available, name: board.nameOf(event.psychologist_id),
  }, { call: placeCall, queue: () => joinQueue() }))
  // Only for the call on screen: after the caller's own hang-up, the server's echo changes nothing
  // but the feedback's ticket.
  .on("call.ended", (event) => {
    // An answered call's end may come with a ticket to ask whether it helped; asked on the end
    // screen only (after a caller's own hang-up, the server's echo brings it).
    if (event.call_id !== call.id) {
      if (event.feedback_ticket && call.state === "ended") offerFeedback(event.feedback_ticket);
      return;
    }
    endLocally();
    if (event.reason === "blocked") { showLimited("blocked"); return; }
    if (event.reason === "gone" || event.reason === "abandoned") showUnavailable("lost", null, { alternative: null });
    else showEnded();
    if (event.feedback_ticket) offerFeedback(event.feedback_ticket);
    call.id = null;
    call.queued = false;
  })
  // Orientation (ecoute/directory): loaded on demand, so that the app shell works offline without it.
  .on("referral.card", (event) => import("/static/directory/referral_cards.js").then((cards) => cards.keepReferralCard(event.card)))
  .on("error", (event) => {
    if (event.code === "proof_required") proveAndRetry(event.challenge);
    else if (event.code === "follow_up_unknown") showWayBack({ error: event.message }, {});
    else if (event.code === "already_urgent") document.getElementById("queue-urgent-note").hidden = false;
    else if (LIMITED[event.code] && call.state !== "connected") showLimited(event.code);
    else console.warn("Écoute:", event.code, event.message);
  });

// A few calls from the same network at once (a hospital): this device proves it is not a script, then calls.
async function proveAndRetry(challenge) {
  const message = lastCallMessage;
  if (!message || !challenge) return;
  const checking = document.getElementById("checking");
  checking.hidden = false;
  try {
    const { solve } = await import("/static/abuse/proof_of_work.js");
    const proof = await solve(challenge);
    if (message !== lastCallMessage) return;  // the caller left or called again meanwhile
    if (!proof) { showLimited("proof_failed"); return; }
    socket.send({ ...message, proof });
  } catch {
    showLimited("proof_failed");
  } finally {
    checking.hidden = true;
  }
}

function showLimited(code) {
  endLocally();
  lastCallMessage = null;
  call.id = null;
  call.queued = false;
  title.textContent = gettext("L’appel ne peut pas partir pour l’instant");
  document.getElementById("limited-reason").textContent = LIMITED[code]();
  show("limited");
}

function show(state) {
  if (state !== call.state) withdrawFeedback();
  if (state === "ringing" || state === "waiting") withdrawFollowUp();  // another call: that proposal is past
  call.state = state;
  if (state === "ringing") ringback.start();
  else ringback.stop();
  panel.dataset.state = state;
  panel.hidden = state === "idle";
  for (const part of panel.querySelectorAll("[data-show]")) part.hidden = part.dataset.show !== state;
  for (const part of panel.querySelectorAll("[data-by-supervisor]")) part.hidden = part.dataset.bySupervisor !== String(call.bySupervisor);
  if (!panel.hidden) title.focus();
}

function placeCall(psychologistId) {
  if (call.state === "ringing" || call.state === "connected") return;
  primeAudio();  // during the tap: a browser lets a page make sound only after one
  call.psychologistId = psychologistId;
  title.textContent = interpolate(gettext("Nous appelons %(name)s…"), { name: board.nameOf(psychologistId) }, true);
  document.getElementById("call-avatar").innerHTML = board.avatarOf(psychologistId);
  show("ringing");
  lastCallMessage = { type: "call.request", psychologist_id: psychologistId };
  socket.send(lastCallMessage);
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
  title.textContent = call.bySupervisor ? SUPERVISOR_CALLING_BACK : board.nameOf(call.psychologistId);
  show("connected");
  call.stopTimer = startTimer(document.getElementById("call-timer"));
  call.peer = new PeerCall({
    ice,
    microphone,
    ...callAudio.peerOptions(),
    sendSignal: (signal) => socket.send({ type: "signal", call_id: call.id, signal }),
  });
  await call.peer.call();
}

// --- The queue ---------------------------------------------------------------------------------

function joinQueue({ psychologistId = null } = {}) {
  if (call.state === "ringing" || call.state === "connected" || call.state === "waiting") return;
  const language = document.getElementById("queue-language")?.value || "";
  primeAudio();  // the ringback, when someone rings later, needs the tap made now
  call.queued = true;
  call.psychologistId = null;
  queue.waitingFor = psychologistId;
  title.textContent = psychologistId
    ? interpolate(gettext("Vous attendez %(name)s"), { name: board.nameOf(psychologistId) }, true)
    : gettext("Nous cherchons un psychologue libre");
  document.getElementById("call-avatar").innerHTML = psychologistId ? board.avatarOf(psychologistId) : "";
  document.getElementById("queue-urgent-note").hidden = true;
  document.getElementById("queue-nobody").hidden = true;
  document.getElementById("queue-supervisors").hidden = false;
  showSupervisorsAlerted(false);
  showWaited(0);
  showSwitch(Boolean(psychologistId));
  show("waiting");
  // The app names its call, so that a join lost with a server process is resumed when sent again, never doubled.
  if (!call.id && crypto.randomUUID) call.id = crypto.randomUUID();
  const message = { type: "queue.join", ...(call.id ? { call_id: call.id } : {}) };
  if (language && !psychologistId) message.language = language;
  if (psychologistId) message.psychologist_id = psychologistId;
  lastCallMessage = message;
  socket.send(message);
  call.microphone = openMicrophone().catch(() => null);
}

function showPosition(event) {
  const where = document.getElementById("queue-position");
  const ahead = event.position - 1;
  where.textContent = event.position === 1 ? gettext("Vous êtes la prochaine personne à être mise en relation.")
    : interpolate(ngettext("%(count)s personne avant vous.", "%(count)s personnes avant vous.", ahead), { count: ahead }, true);
  document.getElementById("queue-estimate").textContent = estimateText(event.estimated_wait);
  const note = document.getElementById("queue-note");
  note.hidden = !event.language;
  if (event.language) {
    note.textContent = interpolate(event.language_fallback
      ? gettext("Personne ne parle %(language)s de libre pour l’instant : le premier psychologue libre vous répondra.")
      : gettext("Nous cherchons un psychologue qui parle %(language)s."), { language: event.language }, true);
  }
  document.getElementById("queue-urgent-note").hidden = !event.urgent;
  panel.querySelector('[data-action="queue-urgent"]').hidden = event.urgent;
  document.getElementById("queue-nobody").hidden = Boolean(event.waiting_for || event.language);
  document.getElementById("queue-supervisors").hidden = event.urgent;  // the urgent note says it already
  showWaited(event.waited);
  if (!event.waiting_for) showSwitch(false);
  if (call.state !== "waiting") show("waiting");
}

// The time waited, ticking here between the server's updates (which set it right again).
function showWaited(seconds) {
  clearInterval(queue.waitedTimer);
  const since = Date.now() - (seconds || 0) * 1000;
  const waited = document.getElementById("queue-waited");
  const tick = () => { waited.textContent = formatDuration((Date.now() - since) / 1000); };
  tick();
  queue.waitedTimer = setInterval(tick, 1000);
}

function showSupervisorsAlerted(alerted) {
  const note = document.getElementById("queue-supervisors");
  note.dataset.alerted = String(alerted);
  note.querySelector('[data-when="watching"]').hidden = alerted;
  note.querySelector('[data-when="alerted"]').hidden = !alerted;
}

function estimateText(seconds) {
  if (seconds === null || seconds === undefined) return gettext("Nous ne pouvons pas estimer l’attente pour l’instant.");
  if (seconds < 60) return gettext("Attente estimée : moins d’une minute.");
  return interpolate(gettext("Attente estimée : environ %(minutes)s min."), { minutes: Math.ceil(seconds / 60) }, true);
}

// A returning caller waiting for their own psychologist may switch to anyone; asked again after a while.
function showSwitch(visible) {
  clearTimeout(queue.switchTimer);
  const box = document.getElementById("queue-switch");
  box.hidden = !visible;
  if (!visible || !queue.waitingFor) return;
  const name = board.nameOf(queue.waitingFor) || gettext("Votre psychologue");
  document.getElementById("queue-switch-text").textContent = interpolate(
    gettext("%(name)s est en appel. Vous pouvez l’attendre, ou parler tout de suite à quelqu’un d’autre."), { name }, true);
  panel.querySelector('[data-action="queue-keep-waiting"]').textContent = interpolate(gettext("Continuer d’attendre %(name)s"), { name }, true);
}

function keepWaiting() {
  document.getElementById("queue-switch").hidden = true;
  const seconds = queue.rules.switch_again_after || 120;
  queue.switchTimer = setTimeout(() => { if (call.state === "waiting" && queue.waitingFor) showSwitch(true); }, seconds * 1000);
}

// « Rappeler maintenant »: a supervisor who saw the wait calls back. Said as it is: not a psychologist
// of the line ringing, and no name (the supervisors are not on the caller's board).
const SUPERVISOR_CALLING_BACK = gettext("Un cadre de la plateforme vous rappelle");

function showSupervisorCallingBack(supervisorId) {
  call.psychologistId = supervisorId;
  title.textContent = SUPERVISOR_CALLING_BACK;
  document.getElementById("call-avatar").innerHTML = "";
  show("ringing");
}

function showQueuedRinging(psychologistId) {
  call.psychologistId = psychologistId;
  const name = board.nameOf(psychologistId) || gettext("Un psychologue");
  title.textContent = interpolate(gettext("%(name)s va vous répondre…"), { name }, true);
  document.getElementById("call-avatar").innerHTML = board.avatarOf(psychologistId);
  show("ringing");
}

// The server abandons a waiting call whose app stopped answering (a phone asleep, a lost network).
setInterval(() => { if (call.id && socket.isOpen) socket.send({ type: "heartbeat" }); }, HEARTBEAT_MS);

// Warm transfer: a supervisor joins with a peer connection of their own (through the same relay),
// then the psychologist may leave and the supervisor's connection carries the call.
const secondAudio = new Audio();
secondAudio.autoplay = true;

async function joinSupervisor(ice) {
  const microphone = await call.microphone;
  if (!microphone || call.second) return;
  call.second = new PeerCall({
    ice,
    microphone: microphone.clone(),  // its own tracks: closing one connection must not silence the other
    audio: secondAudio,
    sendSignal: (signal) => socket.send({ type: "signal", call_id: call.id, signal, to: "supervisor" }),
  });
  callAudio.say(gettext("Un cadre de la plateforme a rejoint l’appel."));
  await call.second.call();
}

function handedOver() {
  if (!call.second) return;
  call.peer.close();
  call.peer = call.second;
  call.second = null;
  title.textContent = gettext("Un cadre de la plateforme");
  callAudio.say(gettext("Vous parlez maintenant avec un cadre de la plateforme."));
}

function showUnavailable(reason, psychologistId, event) {
  const name = psychologistId ? board.nameOf(psychologistId) : "";
  title.textContent = gettext("Pas de réponse");
  document.getElementById("unavailable-reason").textContent = REASONS[reason](name || gettext("Ce psychologue"));
  const alternative = event && event.alternative;
  const alternativeButton = panel.querySelector('[data-action="call-alternative"]');
  document.getElementById("alternative").hidden = !alternative;
  document.getElementById("nobody").hidden = Boolean(alternative) || !event;
  if (alternative) {
    alternativeButton.textContent = interpolate(gettext("Appeler %(name)s maintenant"), { name: alternative.name }, true);
    alternativeButton.dataset.psychologist = alternative.id;
  }
  show("unavailable");
}

function endLocally() {
  if (call.stopTimer) call.stopTimer();
  if (call.second) call.second.close();
  if (call.peer) call.peer.close();
  else if (call.microphone) call.microphone.then((stream) => stream && stream.getTracks().forEach((t) => t.stop()));
  Object.assign(call, { peer: null, second: null, microphone: null, stopTimer: null, bySupervisor: false });
  clearTimeout(queue.switchTimer);
  clearInterval(queue.waitedTimer);
  ringback.stop();
  callAudio.reset();
}

function hangUp() {
  lastCallMessage = null;
  if (call.id) socket.send({ type: "call.hangup", call_id: call.id });
  const wasConnected = call.state === "connected";
  endLocally();
  call.id = null;
  call.queued = false;
  if (wasConnected) showEnded();
  else show("idle");
}

// The psychologist just talked to joins "your psychologists" at once: the server, asked again, is the truth.
function showEnded() {
  show("ended");
  socket.send({ type: "hello", caller_key: callerKey() });
}

panel.addEventListener("click", (event) => {
  const action = event.target.closest("[data-action]")?.dataset.action;
  if (action === "hangup") hangUp();
  if (action === "back") { show("idle"); call.id = null; call.queued = false; }
  if (action === "join-queue") { show("idle"); joinQueue(); }
  if (action === "queue-urgent" && call.id) socket.send({ type: "queue.urgent", call_id: call.id });
  if (action === "queue-anyone" && call.id) { queue.waitingFor = null; showSwitch(false); socket.send({ type: "queue.anyone", call_id: call.id }); }
  if (action === "queue-keep-waiting") keepWaiting();
  if (action === "call-alternative") placeCall(Number(event.target.closest("[data-action]").dataset.psychologist));
  if (action === "mute") callAudio.toggleMute(call.peer);
});

document.getElementById("talk-now").addEventListener("submit", (event) => { event.preventDefault(); joinQueue(); });

// "Your psychologist" is busy: wait for them (with an estimate), or talk to someone else now.
const waitMine = document.getElementById("wait-mine");
function offerToWaitForMine() {
  const busy = board.mine.find((id) => ["busy", "finishing"].includes(board.card(id)?.dataset.status));
  waitMine.hidden = !busy;
  if (busy) {
    const button = waitMine.querySelector("button");
    const text = board.card(busy).dataset.status === "finishing"
      ? gettext("%(name)s termine un appel : l’attendre") : gettext("%(name)s est en appel : l’attendre");
    button.textContent = interpolate(text, { name: board.nameOf(busy) }, true);
    button.dataset.psychologist = busy;
  }
}
waitMine.addEventListener("click", (event) => {
  const id = Number(event.target.closest("[data-psychologist]")?.dataset.psychologist);
  if (id) joinQueue({ psychologistId: id });
});
socket.on("hello", offerToWaitForMine).on("presence", offerToWaitForMine);

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

takeTokenFromAddress();

// For the browser tests and for support: the live peer connection, the ringback, nothing else.
exposeForTests({ peer: () => call.peer, state: () => call.state, ringback, callId: () => call.id });

// Closing or leaving the page while waiting is leaving the queue; a lost network is not (the place is
// kept and resumed on reconnection).
window.addEventListener("pagehide", () => {
  if (call.id && call.queued && call.state !== "connected" && socket.isOpen) socket.send({ type: "call.hangup", call_id: call.id });
});
