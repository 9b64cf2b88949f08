// The help block's "who is available now", kept live while the page is read: a person who stays on
// a sheet or a self-test's result for minutes sees the line as it is, not as it was when they came.
// A cached fragment is asked every REFRESH_MS while the page is visible, and at once when it comes back.
const sentence = document.getElementById("help-now-available");
const REFRESH_MS = 20_000;

async function refresh() {
  if (document.hidden) return;
  try {
    const response = await fetch(sentence.dataset.refreshUrl, { credentials: "omit" });
    if (!response.ok) return; // keep what is shown: the button to call works whatever the count
    const text = (await response.text()).trim();
    if (text && text !== sentence.textContent.trim()) sentence.textContent = text;
  } catch {
    // Offline for a moment: the sentence stays, the next turn tries again.
  }
}

if (sentence) {
  setInterval(refresh, REFRESH_MS);
  document.addEventListener("visibilitychange", refresh);
}
