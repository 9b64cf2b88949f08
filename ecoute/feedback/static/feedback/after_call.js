// "Cet appel vous a-t-il aidé ?" on the caller's end screen: one tap sends the answer (with the two
// optional questions if they were answered first). The ticket comes from the server's
// `feedback.offered` event and is good once; the answer is linked to no call (ecoute/feedback).
/* global gettext */
const form = document.getElementById("feedback");
const status = document.getElementById("feedback-status");
let ticket = null;

export function offerFeedback(newTicket) {
  ticket = newTicket;
  form.reset();
  form.hidden = false;
  status.textContent = "";
}

export function withdrawFeedback() {
  ticket = null;
  form.hidden = true;
  status.textContent = "";
}

function answers(helped) {
  const chosen = (name) => form.querySelector(`input[name=${name}]:checked`)?.value || "";
  return { ticket, helped, listened: chosen("listened"), would_call_again: chosen("would_call_again") };
}

async function send(helped) {
  const buttons = form.querySelectorAll("button");
  for (const button of buttons) button.disabled = true;
  try {
    const response = await fetch(form.dataset.feedbackUrl, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(answers(helped)),
    });
    const body = await response.json().catch(() => ({}));
    if (response.ok) {
      form.hidden = true;
      ticket = null;
      status.textContent = gettext("Merci : votre réponse est comptée, sans rien qui vous relie à elle.");
    } else {
      status.textContent = body.error || gettext("Votre réponse n’a pas pu être envoyée.");
    }
  } catch {
    status.textContent = gettext("Pas de connexion : votre réponse n’a pas pu être envoyée.");
  } finally {
    for (const button of buttons) button.disabled = false;
  }
}

form?.addEventListener("submit", (event) => {
  event.preventDefault();
  if (ticket) send(event.submitter?.value);
});
