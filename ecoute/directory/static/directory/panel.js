// The workspace's side panel: search the directory during a call, note an orientation, send a card
// to the caller's screen. Results are HTML rendered (and escaped) by the server.
/* global gettext, interpolate */
const panel = document.getElementById("directory-panel");
const form = document.getElementById("directory-panel-form");
const results = document.getElementById("directory-panel-results");
const status = document.getElementById("directory-panel-status");
const workspace = document.getElementById("workspace");

const inCall = () => !workspace || workspace.dataset.state === "in_call";

function refreshSendButtons() {
  for (const button of results.querySelectorAll("[data-send-card]")) button.disabled = !inCall();
}

async function search() {
  const params = new URLSearchParams(new FormData(form));
  params.delete("csrfmiddlewaretoken");
  status.textContent = gettext("Recherche…");
  const response = await fetch(`${panel.dataset.resultsUrl}?${params}`, { credentials: "same-origin" });
  results.innerHTML = await response.text();
  status.textContent = response.ok ? "" : gettext("Vérifiez le lieu ou les filtres.");
  refreshSendButtons();
}

async function sendCard(item, button) {
  const body = new FormData();
  body.append("entry_id", item.dataset.entryId);
  body.append("csrfmiddlewaretoken", form.elements.csrfmiddlewaretoken.value);
  button.disabled = true;
  const response = await fetch(panel.dataset.sendUrl, { method: "POST", body, credentials: "same-origin" });
  const answer = await response.json().catch(() => ({ error: gettext("Réponse illisible du serveur.") }));
  status.textContent = response.ok
    ? interpolate(gettext("Fiche « %(name)s » envoyée à l’appelant."), { name: item.dataset.entryName }, true)
    : answer.error;
  // The server noted it for the call's record too; no record form is open during the call.
  button.disabled = !inCall();
}

// The server keeps what is noted for the call's record (which starts from it after hang-up); a
// record form already open (during the wrap-up) is ticked at once by its own module.
async function noteOrientation(item, button) {
  const body = new FormData();
  body.append("entry_id", item.dataset.entryId);
  body.append("csrfmiddlewaretoken", form.elements.csrfmiddlewaretoken.value);
  button.disabled = true;
  try {
    const response = await fetch(panel.dataset.noteUrl, { method: "POST", body, credentials: "same-origin" });
    const answer = await response.json().catch(() => ({ error: gettext("Réponse illisible du serveur.") }));
    if (!response.ok) { status.textContent = answer.error; return; }
    announceOrientation(item, answer.call_id, answer.orientation_ids);
    status.textContent = interpolate(gettext("Orientation notée pour la fiche : %(name)s."), { name: item.dataset.entryName }, true);
  } catch {
    status.textContent = gettext("Connexion perdue : l’orientation n’est pas notée. Réessayez.");
  } finally {
    button.disabled = false;
  }
}

function announceOrientation(item, callId, orientationIds = []) {
  document.dispatchEvent(new CustomEvent("ecoute:orientation", {
    detail: { callId, entryId: Number(item.dataset.entryId), name: item.dataset.entryName, orientationIds },
  }));
}

form.addEventListener("submit", (event) => { event.preventDefault(); search(); });

results.addEventListener("click", (event) => {
  const item = event.target.closest("[data-entry-id]");
  const suggestion = event.target.closest("[data-suggestion]");
  if (suggestion) { form.elements.q.value = suggestion.dataset.suggestion; search(); return; }
  if (!item) return;
  if (event.target.closest("[data-send-card]")) sendCard(item, event.target.closest("[data-send-card]"));
  if (event.target.closest("[data-orientation]")) noteOrientation(item, event.target.closest("[data-orientation]"));
});

// "O" jumps to the panel, like the workspace's other one-key shortcuts (never while typing).
document.addEventListener("keydown", (event) => {
  if (event.key.toLowerCase() !== "o" || event.ctrlKey || event.metaKey || event.altKey) return;
  if (event.target.closest("input, select, textarea, [contenteditable]")) return;
  event.preventDefault();
  form.elements.q.focus();
});

if (workspace) new MutationObserver(refreshSendButtons).observe(workspace, { attributes: true, attributeFilter: ["data-state"] });
