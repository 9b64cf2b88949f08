// Referral cards a psychologist sent during a call: shown at once, and kept on this device only
// (never sent anywhere) until the caller removes them. Built with textContent: card text is never HTML.
/* global gettext, interpolate */
const STORE = "ecoute.referralCards";
const MAX_CARDS = 10;

function load() {
  try { return JSON.parse(localStorage.getItem(STORE)) || []; } catch { return []; }
}

function save(cards) {
  localStorage.setItem(STORE, JSON.stringify(cards.slice(0, MAX_CARDS)));
}

function line(tag, className, text) {
  const element = document.createElement(tag);
  element.className = className;
  element.textContent = text;
  return element;
}

function cardElement(card, removable) {
  const item = document.createElement("li");
  item.className = "referral-card";
  item.dataset.entryId = card.entry_id;
  const title = document.createElement("a");
  title.className = "referral-name";
  title.href = card.url;
  title.textContent = card.name;
  item.append(title, line("p", "referral-kind", [card.subtitle, card.organization].filter(Boolean).join(" · ")));
  if (card.address || card.place) item.append(line("p", "referral-place", [card.address, card.place].filter(Boolean).join(", ")));
  if (card.phone) {
    const call = line("a", "button secondary", interpolate(gettext("Appeler le %(phone)s"), { phone: card.phone }, true));
    call.href = `tel:${card.phone.replace(/\s/g, "")}`;
    item.append(call);
  }
  if (card.how_to_reach) item.append(line("p", "small", card.how_to_reach));
  if (removable) {
    const remove = line("button", "link-button", gettext("Retirer de cet appareil"));
    remove.type = "button";
    remove.addEventListener("click", () => { save(load().filter((c) => c.entry_id !== card.entry_id)); renderReferralCards(); });
    item.append(remove);
  }
  return item;
}

export function renderReferralCards() {
  const section = document.getElementById("referral-cards");
  const list = document.getElementById("referral-cards-list");
  if (!section || !list) return;
  const cards = load();
  list.replaceChildren(...cards.map((card) => cardElement(card, true)));
  section.hidden = cards.length === 0;
}

export function keepReferralCard(card) {
  if (!card || typeof card.entry_id !== "number") return;
  save([card, ...load().filter((c) => c.entry_id !== card.entry_id)]);
  renderReferralCards();
  const live = document.getElementById("referral-live");
  if (live) {
    live.replaceChildren(line("p", "referral-live-title", gettext("Votre psychologue vous envoie une adresse :")), cardElement(card, false));
    live.hidden = false;
  }
}

// The caller's page does not load the directory's stylesheet itself: the cards bring it along.
if (!document.querySelector('link[href$="/directory/directory.css"]')) {
  const style = document.createElement("link");
  style.rel = "stylesheet";
  style.href = new URL("directory.css", import.meta.url).href;
  document.head.append(style);
}
renderReferralCards();
