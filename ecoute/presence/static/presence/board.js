// The caller board: applies live presence changes, keeps available psychologists first without
// the list jumping under the caller's finger, pins "your psychologists" on top, and fetches the
// whole board again after a reconnection (the server is the truth).
/* global gettext, ngettext, interpolate */

const labels = JSON.parse(document.getElementById("status-labels").textContent);
// The server's order (ecoute/presence/queries.py): available, finishing a call, busy, away; then by name.
const ORDER = { available: 0, finishing: 1, busy: 2, away: 3 };
// A card that has just moved ignores taps this long: the finger meant whatever was there before.
const SETTLE_MS = 700;
const MOVE_MS = 300;

export class Board {
  constructor({ container, mineSection, mineList, banner, onTap }) {
    this.container = container;
    this.mineSection = mineSection;
    this.mineList = mineList;
    this.banner = banner;
    this.mine = [];
    this.freed = new Set();  // cards that became available out of the caller's sight
    this.container.addEventListener("click", (event) => this.tapped(event, onTap));
    this.mineList.addEventListener("click", (event) => this.tapped(event, onTap));
    if (banner) {
      banner.addEventListener("click", () => this.showFreed());
      window.addEventListener("scroll", () => this.forgetSeen(), { passive: true });
    }
  }

  tapped(event, onTap) {
    const button = event.target.closest("[data-call]");
    const card = button && button.closest(".card");
    if (!button || button.disabled) return;
    if (Date.now() - Number(card.dataset.movedAt || 0) < SETTLE_MS) return;
    onTap(Number(button.dataset.call), card);
  }

  card(id) {
    return document.querySelector(`.card[data-id="${id}"]`);
  }

  get list() {
    return this.container.querySelector("#board");
  }

  apply(changes) {
    let unknown = false;
    const changed = [];
    const freed = [];
    for (const change of changes) {
      const card = this.card(change.id);
      if (!card) { unknown = true; continue; }
      if (Number(card.dataset.version) >= change.version) continue;
      if (change.status === "available" && card.dataset.status !== "available") freed.push(card);
      this.setStatus(card, change.status, change.version);
      changed.push(card);
    }
    if (changed.length) {
      // Whether they are in sight is judged where they land, before they glide there.
      this.reorder(new Set(changed), () => {
        for (const card of freed) if (!this.isMine(card) && !this.inView(card)) this.freed.add(card);
        this.showBanner();
      });
    }
    if (unknown) this.refresh();
  }

  setStatus(card, status, version) {
    card.dataset.status = status;
    card.dataset.version = version;
    card.querySelector(".status-label").textContent = labels[status];
    card.querySelector("[data-call]").disabled = status !== "available";
  }

  isMine(card) {
    return this.mineList.contains(card);
  }

  inView(card) {
    const box = card.getBoundingClientRect();
    return box.bottom > 0 && box.top < window.innerHeight;
  }

  // Puts the cards in the server's order. What the caller is looking at stays where it is on the
  // screen (the page scrolls by as much as the cards above it moved), and the cards that move glide
  // from their old place to the new one.
  reorder(changed = new Set(), landed = () => {}) {
    const list = this.list;
    const cards = list ? [...list.querySelectorAll(":scope > .card")] : [];
    const sorted = [...cards].sort(compare);
    if (sorted.every((card, index) => card === cards[index])) { landed(); return; }
    // Only once the caller has scrolled into the list: above it, cards may simply make room.
    const anchor = list.getBoundingClientRect().top < 0 && cards.find((card) => !changed.has(card) && this.inView(card));
    const anchorTop = anchor && anchor.getBoundingClientRect().top;
    const before = new Map(cards.map((card) => [card, card.getBoundingClientRect().top]));
    list.append(...sorted);
    if (anchor) window.scrollBy(0, anchor.getBoundingClientRect().top - anchorTop);
    const shifts = sorted.map((card) => [card, before.get(card) - card.getBoundingClientRect().top]);
    landed();
    const now = Date.now();
    const still = matchMedia("(prefers-reduced-motion: reduce)").matches;
    for (const [card, shift] of shifts) {
      if (Math.abs(shift) < 1) continue;
      card.dataset.movedAt = now;
      if (still || !card.animate) continue;
      // A long way (from far down the list) is a fade where it lands rather than a slide across the screen.
      const from = Math.abs(shift) > window.innerHeight / 2 ? { opacity: 0, transform: "scale(.96)" } : { transform: `translateY(${shift}px)` };
      card.animate([from, { opacity: 1, transform: "none" }], { duration: MOVE_MS, easing: "ease-out" });
    }
  }

  // "1 psychologue vient de se libérer": shown while someone freed up out of sight; a tap goes to them.
  showBanner() {
    if (!this.banner) return;
    for (const card of this.freed) {
      if (card.dataset.status !== "available" || !card.isConnected || this.isMine(card) || this.inView(card)) this.freed.delete(card);
    }
    const count = this.freed.size;
    this.banner.hidden = count === 0;
    if (count) {
      this.banner.querySelector("button").textContent = interpolate(ngettext(
        "%(count)s psychologue vient de se libérer", "%(count)s psychologues viennent de se libérer", count), { count }, true);
    }
  }

  forgetSeen() {
    if (this.freed.size) this.showBanner();  // the caller scrolled to them: the banner has done its work
  }

  showFreed() {
    const first = this.list && this.list.querySelector('.card[data-status="available"]');
    this.freed.clear();
    this.showBanner();
    if (!first) return;
    const still = matchMedia("(prefers-reduced-motion: reduce)").matches;
    first.scrollIntoView({ behavior: still ? "auto" : "smooth", block: "center" });
    first.querySelector("[data-call]").focus({ preventScroll: true });
  }

  async refresh() {
    const response = await fetch("/tableau/", { headers: { Accept: "text/html" } });
    if (!response.ok) return;
    this.container.innerHTML = await response.text();
    this.mineList.replaceChildren();  // the fresh board has every card, the pinned ones too
    this.freed.clear();
    this.pin(this.mine);
    this.showBanner();
  }

  // Move the cards of psychologists this device already talked to into "your psychologists";
  // the cards no longer pinned go back to the board, in their place.
  pin(ids) {
    this.mine = ids;
    const unpinned = [...this.mineList.children];
    this.mineList.replaceChildren();
    if (this.list) this.list.append(...unpinned);
    for (const id of ids) {
      const card = this.card(id);
      if (card) this.mineList.append(card);
    }
    this.mineSection.hidden = this.mineList.children.length === 0;
    this.reorder();
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

function compare(a, b) {
  const byStatus = ORDER[a.dataset.status] - ORDER[b.dataset.status];
  if (byStatus) return byStatus;
  // Code-point order, as the server sorts names.
  return a.dataset.name < b.dataset.name ? -1 : a.dataset.name > b.dataset.name ? 1 : 0;
}
