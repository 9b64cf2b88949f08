// « Proposer un suivi »: the psychologist picks a time during an app call or its wrap-up; the
// caller's app asks them (ecoute/followup). Whether they agreed is theirs: the workspace is only told
// that the proposal left.
/* global gettext, interpolate */

export function proposeFollowUps(root, socket, currentCall) {
  const forms = root.querySelectorAll("[data-app-follow-up]");
  let waiting = null;  // the form whose proposal awaits the server's answer
  for (const form of forms) {
    const input = form.querySelector("input[name=at]");
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const status = form.querySelector("[data-follow-up-status]");
      const when = new Date(input.value);
      if (!input.value || Number.isNaN(when.getTime())) {
        status.textContent = gettext("Choisissez une date et une heure.");
        return;
      }
      waiting = form;
      socket.send({ type: "follow_up.propose", call_id: currentCall(), at: when.toISOString() });
    });
  }
  socket
    .on("follow_up.sent", (event) => {
      const when = new Date(event.at).toLocaleString([], { dateStyle: "full", timeStyle: "short" });
      for (const form of forms) {
        form.querySelector("[data-follow-up-status]").textContent = interpolate(
          gettext("Proposition envoyée pour le %(when)s : l’appelant choisit dans son application."), { when }, true);
      }
      waiting = null;
    })
    .on("error", (event) => {
      if (!waiting) return;
      waiting.querySelector("[data-follow-up-status]").textContent = event.message;
      waiting = null;
    });
}
