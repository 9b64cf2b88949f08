// The contact record inside the psychologist's workspace: a returning caller's history during the
// call, the form of the call just ended during its wrap-up, and apart, « Fiches à compléter » for
// earlier calls still without a record. The server is the truth: it knows which call the wrap-up
// is for, so this module only watches the workspace's state and fetches the right fragments.
/* global gettext */
const workspace = document.getElementById("workspace");
const formSlot = document.getElementById("contact-slot");
const listSlot = document.getElementById("to-complete-slot");
const olderSlot = document.getElementById("older-record-slot");
const historySlot = document.getElementById("caller-history-slot");
const PARTIAL = { "X-Ecoute-Partial": "1" };

async function fetchInto(slot, url, options = {}) {
  const response = await fetch(url, { credentials: "same-origin", ...options, headers: { ...PARTIAL, ...(options.headers || {}) } });
  if (response.status === 204) { slot.innerHTML = ""; return response; }
  if (response.redirected && response.url.includes("/connexion/")) { location.reload(); return response; }
  // A form's errors (400) are shown; a server error never replaces what the slot holds.
  if (response.ok || response.status === 400) slot.innerHTML = await response.text();
  return response;
}

const openForm = (slot) => slot.querySelector("[data-contact-form]");
const recordCall = (slot) => slot.querySelector("[data-record-call]")?.dataset.recordCall;

async function showWrapUpForm() {
  const response = await fetch(formSlot.dataset.pendingUrl, { credentials: "same-origin", headers: PARTIAL });
  if (response.status === 204 || !response.ok) return;
  const fresh = document.createElement("div");
  fresh.innerHTML = await response.text();
  const callId = fresh.querySelector("[data-record-call]")?.dataset.recordCall;
  if (openForm(formSlot) && recordCall(formSlot) === callId) return; // keep what is being typed
  // An earlier record left half-typed never takes the place of this call's: it moves apart, kept as typed.
  if (openForm(formSlot) && !openForm(olderSlot)) olderSlot.replaceChildren(...formSlot.childNodes);
  formSlot.replaceChildren(...fresh.childNodes);
  openForm(formSlot)?.querySelector("select, input:not([type=hidden])")?.focus({ preventScroll: false });
  await refreshList();
}

async function refreshList() {
  await fetchInto(listSlot, listSlot.dataset.toCompleteUrl);
  // The record open in the wrap-up's place (after a reload, say) is not listed a second time.
  const open = openForm(formSlot) ? recordCall(formSlot) : null;
  for (const item of listSlot.querySelectorAll("[data-call-id]")) item.hidden = item.dataset.callId === open;
  const section = listSlot.querySelector("[data-to-complete]");
  if (section) section.hidden = !section.querySelector("[data-call-id]:not([hidden])");
}

async function submitForm(form) {
  const slot = form.closest("#contact-slot, #older-record-slot");
  const button = form.querySelector("[type=submit]");
  button.disabled = true;
  try {
    const response = await fetchInto(slot, form.action, { method: "POST", body: new FormData(form) });
    if (response.status === 400) slot.querySelector("#contact-form-errors")?.focus();
    else { slot.querySelector("[role=status]")?.focus?.(); refreshList().catch(() => {}); }
  } catch {
    button.disabled = false;
    const error = document.createElement("p");
    error.className = "error";
    error.setAttribute("role", "alert");
    error.textContent = gettext("Connexion perdue : la fiche n’est pas enregistrée. Réessayez.");
    form.prepend(error);
  }
}

for (const slot of [formSlot, olderSlot]) {
  slot.addEventListener("submit", (event) => {
    const form = event.target.closest("[data-contact-form]");
    if (!form) return;
    event.preventDefault();
    submitForm(form);
  });
  // Ctrl+Entrée saves from anywhere in the form: one hand stays on the keyboard.
  slot.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      const form = event.target.closest("[data-contact-form]");
      if (form) { event.preventDefault(); form.requestSubmit(); }
    }
  });
}

// « Compléter » opens an earlier call's record below the list, inside the workspace.
listSlot.addEventListener("click", (event) => {
  const link = event.target.closest("[data-complete]");
  if (!link) return;
  event.preventDefault();
  fetchInto(olderSlot, link.href)
    .then(() => openForm(olderSlot)?.querySelector("select")?.focus())
    .catch(() => {});
});

// An orientation noted in the « Orienter » panel during the wrap-up: the open form of that call ticks it.
document.addEventListener("ecoute:orientation", ({ detail }) => {
  const slot = [formSlot, olderSlot].find((candidate) => detail.callId && recordCall(candidate) === detail.callId);
  const form = slot && openForm(slot);
  if (!form) return;
  const option = form.querySelector(`select[name=directory_entries] option[value="${detail.entryId}"]`);
  if (option) option.selected = true;
  for (const id of detail.orientationIds || []) {
    const box = form.querySelector(`input[name=orientations][value="${id}"]`);
    if (box) box.checked = true;
  }
});

let shownState = null;

// The history of the call being talked in. Asked again until the answer is it (an error, a busy
// server, or no call yet: the page can hear of its call before a server whose database work runs
// seconds behind has stored it), as long as the page is still in that call, at most every 3 s;
// each reading is written once to the journal.
async function showHistory(attempt = 0) {
  const response = await fetchInto(historySlot, historySlot.dataset.historyUrl).catch(() => null);
  if (response?.status === 200) return;
  const pause = Math.min(500 * (attempt + 1), 3000);
  setTimeout(() => { if (shownState === "in_call") showHistory(attempt + 1); }, pause);
}

function onState(state) {
  // The workspace sets its state again each time it hears of it (the call accepted, then its own
  // presence): only a change shows the history, or each reading would be written twice to the journal.
  if (state === shownState) return;
  shownState = state;
  if (state === "in_call") showHistory();
  else if (state !== "ringing") historySlot.innerHTML = "";
  if (state === "wrap_up") showWrapUpForm().catch(() => {});
  else if (state === "available" || state === "break") refreshList().catch(() => {});
}

new MutationObserver(() => onState(workspace.dataset.state)).observe(workspace, { attributes: true, attributeFilter: ["data-state"] });
// A reload during the wrap-up still offers this call's record; earlier ones are listed apart.
showWrapUpForm().catch(() => {});
refreshList().catch(() => {});
