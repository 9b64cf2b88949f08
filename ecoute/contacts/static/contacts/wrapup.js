// The contact record inside the psychologist's workspace: a returning caller's history during the
// call, then the form of the call just ended. The server is the truth: it knows which call that
// was, so this module only watches the workspace's state and fetches the right fragment.
/* global gettext */
const workspace = document.getElementById("workspace");
const formSlot = document.getElementById("contact-slot");
const historySlot = document.getElementById("caller-history-slot");
const PARTIAL = { "X-Ecoute-Partial": "1" };

async function fetchInto(slot, url, options = {}) {
  const response = await fetch(url, { credentials: "same-origin", ...options, headers: { ...PARTIAL, ...(options.headers || {}) } });
  if (response.status === 204) { slot.innerHTML = ""; return response; }
  if (response.redirected && response.url.includes("/connexion/")) { location.reload(); return response; }
  slot.innerHTML = await response.text();
  return response;
}

async function showPendingForm() {
  if (formSlot.querySelector("[data-contact-form]")) return; // keep what is being typed
  await fetchInto(formSlot, formSlot.dataset.pendingUrl);
  formSlot.querySelector("select, input:not([type=hidden])")?.focus({ preventScroll: false });
}

async function submitForm(form) {
  const button = form.querySelector("[type=submit]");
  button.disabled = true;
  try {
    const response = await fetchInto(formSlot, form.action, { method: "POST", body: new FormData(form) });
    if (response.status === 400) formSlot.querySelector("#contact-form-errors")?.focus();
    else formSlot.querySelector("[role=status]")?.focus?.();
  } catch {
    button.disabled = false;
    const error = document.createElement("p");
    error.className = "error";
    error.setAttribute("role", "alert");
    error.textContent = gettext("Connexion perdue : la fiche n’est pas enregistrée. Réessayez.");
    form.prepend(error);
  }
}

formSlot.addEventListener("submit", (event) => {
  const form = event.target.closest("[data-contact-form]");
  if (!form) return;
  event.preventDefault();
  submitForm(form);
});

// Ctrl+Entrée saves from anywhere in the form: one hand stays on the keyboard.
formSlot.addEventListener("keydown", (event) => {
  if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
    const form = event.target.closest("[data-contact-form]");
    if (form) { event.preventDefault(); form.requestSubmit(); }
  }
});

let shownState = null;

function onState(state) {
  // The workspace sets its state again each time it hears of it (the call accepted, then its own
  // presence): only a change shows the history, or each reading would be written twice to the journal.
  if (state === shownState) return;
  shownState = state;
  if (state === "in_call") fetchInto(historySlot, historySlot.dataset.historyUrl).catch(() => {});
  else if (state !== "ringing") historySlot.innerHTML = "";
  if (state === "wrap_up") showPendingForm().catch(() => {});
}

new MutationObserver(() => onState(workspace.dataset.state)).observe(workspace, { attributes: true, attributeFilter: ["data-state"] });
// A reload during the wrap-up (or later) still offers the record that is waiting.
showPendingForm().catch(() => {});
