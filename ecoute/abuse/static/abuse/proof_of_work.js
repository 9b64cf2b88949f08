// The proof of work the line asks of the 2nd and later calls made at once from one network (ALTCHA-style,
// no third party; ecoute/abuse/proof_of_work.py): find the number N up to `maxnumber` such that
// SHA-256(salt + N) is the challenge. A second or so on a phone for a few calls; far too long for hundreds.
const BATCH = 500;

function hex(buffer) {
  return Array.from(new Uint8Array(buffer), (byte) => byte.toString(16).padStart(2, "0")).join("");
}

// The payload to send back with the call, or null if no number fits (a broken challenge).
export async function solve({ algorithm, challenge, salt, signature, maxnumber }) {
  const encoder = new TextEncoder();
  for (let start = 0; start <= maxnumber; start += BATCH) {
    const numbers = Array.from({ length: Math.min(BATCH, maxnumber - start + 1) }, (_, i) => start + i);
    const digests = await Promise.all(numbers.map((n) => crypto.subtle.digest("SHA-256", encoder.encode(salt + n))));
    const found = digests.findIndex((digest) => hex(digest) === challenge);
    if (found >= 0) return { algorithm, challenge, salt, signature, number: numbers[found] };
  }
  return null;
}
