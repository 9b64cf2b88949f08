// The person's own results, kept on this device only (local storage), never sent anywhere.
const KEY = "ecoute.selftests";
const KEPT = 50;

export function keptResults() {
  try {
    const results = JSON.parse(localStorage.getItem(KEY) || "[]");
    return Array.isArray(results) ? results : [];
  } catch {
    return [];
  }
}

export function keep(result) {
  const results = keptResults().filter((r) => r.id !== result.id);
  results.push(result);
  localStorage.setItem(KEY, JSON.stringify(results.slice(-KEPT)));
}

export function forget(id) {
  localStorage.setItem(KEY, JSON.stringify(keptResults().filter((r) => r.id !== id)));
}

export function eraseAll() {
  localStorage.removeItem(KEY);
}
