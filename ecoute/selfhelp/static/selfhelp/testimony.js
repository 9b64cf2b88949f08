// Help at the moment of writing: the watched phrases of ecoute/selfhelp/lexicon.py, matched here with
// the same rules as the server's (lemmas, stems, gaps), as the person types. Nothing is sent.
const lexicon = JSON.parse(document.getElementById("lexicon-data").textContent);
const help = document.getElementById("danger-help");
const fields = ["id_title", "id_text"].map((id) => document.getElementById(id)).filter(Boolean);

function plain(text) {
  return text.toLowerCase().replaceAll("\u2019", "'").normalize("NFKD").replace(/[\u0300-\u036f]/g, "");
}

export function words(text) {
  return (plain(text).match(/[a-z0-9]+|[.,;:!?()\n]/g) || []).map((word) => {
    if (!/[a-z0-9]/.test(word)) return lexicon.break;
    return lexicon.pronouns.includes(word) ? lexicon.pronoun : lexicon.lemmas[word] || word;
  });
}

function matches(word, wanted) {
  if (word === lexicon.break) return false;
  if (wanted === lexicon.pronoun || word === lexicon.pronoun) return word === wanted;
  return word.startsWith(wanted) && word.length - wanted.length <= lexicon.maxSuffix;
}

function matchAt(phrase, text, start) {
  let position = start;
  for (const wanted of phrase.stems.slice(1)) {
    let window = text.slice(position + 1, position + 2 + lexicon.maxGap);
    if (window.includes(lexicon.break)) window = window.slice(0, window.indexOf(lexicon.break));
    const offset = window.findIndex((word) => matches(word, wanted));
    if (offset < 0) return false;
    position += offset + 1;
  }
  const after = text[position + 1];
  const before = start > 0 ? text[start - 1] : undefined;
  if (after && phrase.notFollowedBy.some((stem) => matches(after, stem))) return false;
  return !(before && phrase.notPrecededBy.some((stem) => matches(before, stem)));
}

export function dangerIn(text) {
  const textWords = words(text);
  return lexicon.phrases.some((phrase) =>
    textWords.some((word, start) => matches(word, phrase.stems[0]) && matchAt(phrase, textWords, start)),
  );
}

let timer = null;
function check() {
  clearTimeout(timer);
  timer = setTimeout(() => {
    // Once shown, the help stays: a person who wrote it and then erased it still needs it.
    if (dangerIn(fields.map((field) => field.value).join("\n"))) help.hidden = false;
  }, 300);
}

fields.forEach((field) => field.addEventListener("input", check));
check();
