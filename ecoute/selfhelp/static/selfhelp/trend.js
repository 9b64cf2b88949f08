// The results the person chose to keep on this device, and the button that erases them.
import { eraseAll, keptResults } from "./results_store.js";

const section = document.getElementById("trend");
const list = document.getElementById("trend-list");

function draw() {
  const results = keptResults();
  section.hidden = results.length === 0;
  list.replaceChildren(
    ...results.map((r) => {
      const item = document.createElement("li");
      item.textContent = interpolate(gettext("%(day)s — %(test)s : %(score)s / %(max)s (%(band)s)"), { ...r, test: r.test.toUpperCase() }, true);
      return item;
    }),
  );
}

document.getElementById("erase-results").addEventListener("click", () => {
  eraseAll();
  draw();
  section.hidden = false;
  list.replaceChildren();
  const done = document.createElement("li");
  done.textContent = gettext("Vos résultats ont été effacés de cet appareil.");
  list.append(done);
});

draw();
