// The caller board: applies live presence changes, pins "your psychologists" on top,
// and fetches the whole board again after a reconnection (the server is the truth).

const labels = JSON.parse(document.getElementById("status-labels").textContent);

export class Board {
  constructor({ container, mineSection, mineList, onTap }) {
    this.container = container;
    this.mineSection = mineSection;
    this.mineList = mineList;
    this.mine = [];
    this.container.addEventListener("click", (event) => this.tapped(event, onTap));
    this.mineList.addEventListener("click", (event) => this.tapped(event, onTap));
  }

  tapped(event, onTap) {
    const button = event.target.closest("[data-call]");
    if (button && !button.disabled) onTap(Number(button.dataset.call), button.closest(".card"));
  }

  card(id) {
    return document.querySelector(`.card[data-id="${id}"]`);
  }

  apply(changes) {
    let unknown = false;
    for (const change of changes) {
      const card = this.card(change.id);
      if (!card) { unknown = true; continue; }
      if (Number(card.dataset.version) >= change.version) continue;
      this.setStatus(card, change.status, change.version);
    }
    if (unknown) this.refresh();
  }

  setStatus(card, status, version) {
    card.dataset.status = status;
    card.dataset.version = version;
    card.querySelector(".status-label").textContent = labels[status];
    card.querySelector("[data-call]").disabled = status !== "available";
  }

  async refresh() {
    const response = await fetch("/tableau/", { headers: { Accept: "text/html" } });
    if (!response.ok) return;
    this.container.innerHTML = await response.text();
    this.pin(this.mine);
  }

  // Move the cards of psychologists this device already talked to into "your psychologists".
  pin(ids) {
    this.mine = ids;
    this.mineList.replaceChildren();
    for (const id of ids) {
      const card = this.card(id);
      if (card) this.mineList.append(card);
    }
    this.mineSection.hidden = this.mineList.children.length === 0;
  }

  nameOf(id) {
    const card = this.card(id);
    return card ? card.dataset.name : "";
  }

  avatarOf(id) {
    const card = this.card(id);
    return card ? card.querySelector(".avatar").innerHTML : "";
  }
}
