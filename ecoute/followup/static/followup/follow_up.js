// Follow-up, on the caller's side (ecoute/followup): the psychologist's proposal asks for consent; a
// « oui » gives a calendar file made here, on this device, whose event links back to the app, and
// where the browser allows it a notification at that time. Coming back by that link offers the same
// psychologist first. The server keeps nothing about the caller: the link's token lives here only.
/* global gettext, interpolate */
const offer = document.getElementById("follow-up-offer");
const back = document.getElementById("follow-up-back");
const PARAM = "suivi";
let proposal = null;
// A token read from the address at load, sent once the socket is open (then forgotten).
let pendingToken = null;

const whenText = (iso) => new Date(iso).toLocaleString([], { dateStyle: "full", timeStyle: "short" });

export function offerFollowUp(event, name, reveal) {
  proposal = event.proposal;
  offer.querySelector("[data-follow-up-question]").textContent = interpolate(
    gettext("%(name)s vous propose de reprendre contact le %(when)s. Le voulez-vous ?"),
    { name: name || gettext("Votre psychologue"), when: whenText(event.at) }, true);
  offer.querySelector("[data-follow-up-answer]").hidden = false;
  offer.querySelector("[data-follow-up-question]").hidden = false;
  offer.querySelector("[data-follow-up-done]").hidden = true;
  offer.querySelector("[data-follow-up-status]").textContent = "";
  offer.hidden = false;
  reveal();
}

export function withdrawFollowUp() {
  proposal = null;
  offer.hidden = true;
}

// --- Agreeing: a push subscription if the browser gives one, then the link back -----------------

async function subscribeToReminder() {
  const key = offer.dataset.vapidKey;
  if (!key || !("serviceWorker" in navigator) || !("PushManager" in window) || !("Notification" in window)) return null;
  try {
    if ((await Notification.requestPermission()) !== "granted") return null;
    const ready = navigator.serviceWorker.ready;
    const registration = await Promise.race([ready, new Promise((resolve) => setTimeout(() => resolve(null), 5000))]);
    if (!registration) return null;
    const subscription = await registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key });
    return subscription.toJSON();
  } catch {
    return null;  // no push service reachable, or refused: the calendar file is enough
  }
}

async function agree() {
  const status = offer.querySelector("[data-follow-up-status]");
  const buttons = offer.querySelectorAll("[data-follow-up-answer] button");
  for (const button of buttons) button.disabled = true;
  status.textContent = gettext("Un instant…");
  try {
    const subscription = offer.querySelector("[data-follow-up-remind]").checked ? await subscribeToReminder() : null;
    const response = await fetch(offer.dataset.agreeUrl, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ proposal, ...(subscription ? { subscription } : {}) }),
    });
    const answer = await response.json().catch(() => ({}));
    if (!response.ok) { status.textContent = answer.error || gettext("Le suivi n’a pas pu être enregistré."); return; }
    proposal = null;
    showAgreed(answer);
  } catch {
    status.textContent = gettext("Pas de connexion : le suivi n’a pas pu être enregistré.");
  } finally {
    for (const button of buttons) button.disabled = false;
  }
}

function showAgreed(answer) {
  offer.querySelector("[data-follow-up-answer]").hidden = true;
  offer.querySelector("[data-follow-up-question]").hidden = true;
  const done = offer.querySelector("[data-follow-up-done]");
  done.hidden = false;
  done.querySelector("[data-follow-up-summary]").textContent = interpolate(
    gettext("C’est noté : le %(when)s, le lien de votre agenda vous proposera d’abord %(name)s."),
    { when: whenText(answer.at), name: answer.psychologist_name || gettext("votre psychologue") }, true);
  done.querySelector("[data-follow-up-reminder]").hidden = !answer.reminder;
  const download = done.querySelector("[data-follow-up-calendar]");
  download.href = URL.createObjectURL(new Blob([calendar(answer)], { type: "text/calendar" }));
  offer.querySelector("[data-follow-up-status]").textContent = "";
  download.focus();
}

// --- The calendar file (RFC 5545), made on this device ------------------------------------------

const icsText = (text) => text.replace(/\\/g, "\\\\").replace(/;/g, "\\;").replace(/,/g, "\\,").replace(/\n/g, "\\n");
const icsTime = (date) => date.toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");

// Lines longer than 75 octets are folded: a line break and a space (RFC 5545, 3.1).
function fold(line) {
  const bytes = new TextEncoder().encode(line);
  if (bytes.length <= 75) return line;
  const parts = [];
  let current = "";
  for (const character of line) {
    if (new TextEncoder().encode(current + character).length > (parts.length ? 74 : 75)) { parts.push(current); current = ""; }
    current += character;
  }
  parts.push(current);
  return parts.join("\r\n ");
}

export function calendar(answer) {
  const start = new Date(answer.at);
  const end = new Date(start.getTime() + 30 * 60 * 1000);
  const uid = `${crypto.randomUUID ? crypto.randomUUID() : Date.now()}@ecoute`;
  const lines = [
    "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Ecoute//Suivi//FR", "CALSCALE:GREGORIAN", "METHOD:PUBLISH",
    "BEGIN:VEVENT", `UID:${uid}`, `DTSTAMP:${icsTime(new Date())}`, `DTSTART:${icsTime(start)}`, `DTEND:${icsTime(end)}`,
    `SUMMARY:${icsText(gettext("Écoute : rappeler comme convenu"))}`,
    `DESCRIPTION:${icsText(interpolate(gettext("Ouvrez ce lien pour rappeler : il propose d’abord la même personne. Il sert une fois, jusqu’au %(until)s.\n%(link)s"), { until: whenText(answer.expires_at), link: answer.link }, true))}`,
    `URL:${answer.link}`,
    "BEGIN:VALARM", "ACTION:DISPLAY", `DESCRIPTION:${icsText(gettext("Écoute : rappeler comme convenu"))}`, "TRIGGER:-PT10M", "END:VALARM",
    "END:VEVENT", "END:VCALENDAR",
  ];
  return lines.map(fold).join("\r\n") + "\r\n";
}

offer?.addEventListener("click", (event) => {
  const action = event.target.closest("[data-follow-up-action]")?.dataset.followUpAction;
  if (action === "agree" && proposal) agree();
  if (action === "decline") withdrawFollowUp();
  if (action === "close") withdrawFollowUp();
});

// --- Coming back by the link ---------------------------------------------------------------------

// The token leaves the address bar at once: it is not kept in the history, nor shown over a shoulder.
export function takeTokenFromAddress() {
  const address = new URL(location.href);
  const token = address.searchParams.get(PARAM);
  if (!token) return;
  address.searchParams.delete(PARAM);
  history.replaceState(null, "", address.pathname + address.search + address.hash);
  pendingToken = token;
}

export function redeemPending(socket) {
  if (!pendingToken) return;
  socket.send({ type: "follow_up.redeem", token: pendingToken });
  pendingToken = null;
}

// The same psychologist first when free; otherwise the first one free, said plainly.
export function showWayBack({ psychologistId = null, available = false, name = "", error = "" }, actions) {
  const text = back.querySelector("[data-follow-up-back-text]");
  const call = back.querySelector("[data-follow-up-call]");
  const queue = back.querySelector("[data-follow-up-queue]");
  const who = name || gettext("Votre psychologue");
  if (error) text.textContent = error;
  else if (available) text.textContent = interpolate(gettext("Vous revenez comme convenu : %(name)s est disponible."), { name: who }, true);
  else text.textContent = interpolate(gettext("Vous revenez comme convenu, mais %(name)s n’est pas disponible pour l’instant. Le premier psychologue libre peut vous répondre tout de suite."), { name: who }, true);
  call.hidden = !available;
  call.textContent = interpolate(gettext("Appeler %(name)s maintenant"), { name: who }, true);
  queue.hidden = Boolean(error) || available;
  call.onclick = () => { back.hidden = true; actions.call(psychologistId); };
  queue.onclick = () => { back.hidden = true; actions.queue(); };
  back.hidden = false;
  back.querySelector("h2").focus();
}
