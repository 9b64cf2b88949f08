"""Words of suicidal crisis or immediate danger in a testimony, matched on lemmas, not spellings.

The phrases are data (`WatchedPhrase`, editable by moderators; the defaults below). A phrase
matches a text when its words appear in order with at most MAX_GAP other words between two of
them and no punctuation, each text word reduced first: lower case, no accents, split at apostrophes, irregular verb
forms to their infinitive (LEMMAS), reflexive pronouns (me, m', te, se...) to one token; a phrase
word then matches a text word that starts with the phrase word's French Snowball stem (« finir »:
fin → finir, fini, finis, finirai). `not_followed_by` and `not_preceded_by` stems keep common turns
of phrase out (« en finir avec la paperasse », « ça me tue »).

The same rules run in the browser while the person writes (testimony.js gets `for_browser()`), so
help shows before anything is sent; the server's check on submission is the one that counts.
"""

import re
import unicodedata
from dataclasses import dataclass

import snowballstemmer

MAX_GAP = 2
MAX_SUFFIX = 5  # a stem matches a word at most this much longer: « fin » is not « financement »
PRONOUN = "~se"
PRONOUNS = {"me", "m", "te", "t", "se", "s"}
BREAK = "|"  # punctuation: a phrase never spans it (« en parler, et finir » is not « en finir »)

# Irregular forms whose stem differs from their infinitive's (the first person and the usual tenses).
LEMMAS = {
    **dict.fromkeys(
        ["veux", "veut", "voulu", "voulais", "voulait", "voudrais", "voudrait", "voulons"], "vouloir"
    ),
    **dict.fromkeys(["meurs", "meurt", "mort", "morte", "mourrai", "mourrais", "mourra"], "mourir"),
    **dict.fromkeys(["vis", "vit", "vecu", "vivais", "vivrai"], "vivre"),
    **dict.fromkeys(["peux", "peut", "pu", "pouvais", "pourrai", "pourrais"], "pouvoir"),
    **dict.fromkeys(["fous", "fout", "foutu", "foutais"], "foutre"),
    **dict.fromkeys(["vais", "va", "allais", "irai", "irais"], "aller"),
}

_stemmer = snowballstemmer.stemmer("french")


def plain(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.lower().replace("’", "'"))
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def words(text: str) -> list[str]:
    """The text's words as the matching sees them."""
    reduced = []
    for word in re.findall(r"[a-z0-9]+|[.,;:!?()\n]", plain(text)):
        if not word[0].isalnum():
            reduced.append(BREAK)
        elif word in PRONOUNS:
            reduced.append(PRONOUN)
        else:
            reduced.append(LEMMAS.get(word, word))
    return reduced


def stem(word: str) -> str:
    if word in PRONOUNS:
        return PRONOUN
    return plain(_stemmer.stemWord(LEMMAS.get(plain(word), word.lower())))


def _matches(word: str, wanted: str) -> bool:
    if word == BREAK:
        return False
    if wanted == PRONOUN or word == PRONOUN:
        return word == wanted
    return word.startswith(wanted) and len(word) - len(wanted) <= MAX_SUFFIX


@dataclass(frozen=True)
class Phrase:
    text: str
    stems: tuple[str, ...]
    not_followed_by: tuple[str, ...] = ()
    not_preceded_by: tuple[str, ...] = ()

    @classmethod
    def compile(cls, text: str, not_followed_by: str = "", not_preceded_by: str = "") -> "Phrase":
        def stems_of(value: str) -> tuple[str, ...]:
            return tuple(
                stem(word) for word in re.findall(r"[\w]+", value.replace("’", "'").replace("'", " "))
            )

        return cls(text, stems_of(text), stems_of(not_followed_by), stems_of(not_preceded_by))

    def found_in(self, text_words: list[str]) -> bool:
        return any(
            self._match_at(text_words, start)
            for start, word in enumerate(text_words)
            if _matches(word, self.stems[0])
        )

    def _match_at(self, text_words: list[str], start: int) -> bool:
        position = start
        for wanted in self.stems[1:]:
            window = text_words[position + 1 : position + 2 + MAX_GAP]
            if BREAK in window:
                window = window[: window.index(BREAK)]
            step = next((offset for offset, word in enumerate(window, 1) if _matches(word, wanted)), None)
            if step is None:
                return False
            position += step
        after = text_words[position + 1] if position + 1 < len(text_words) else ""
        before = text_words[start - 1] if start > 0 else ""
        if after and any(_matches(after, stem_) for stem_ in self.not_followed_by):
            return False
        return not (before and any(_matches(before, stem_) for stem_ in self.not_preceded_by))


# (phrase, not followed by, not preceded by): loaded into WatchedPhrase by a migration.
DEFAULT_PHRASES = [
    ("en finir", "avec", ""),
    ("en finir avec la vie", "", ""),
    ("mettre fin à mes jours", "", ""),
    ("plus envie de vivre", "", ""),
    ("envie de mourir", "", ""),
    ("vouloir mourir", "", ""),
    ("me foutre en l’air", "", ""),
    ("me suicider", "", ""),
    ("idées suicidaires", "", ""),
    ("pensées suicidaires", "", ""),
    ("idées noires", "", ""),
    ("me tuer", "", "ça cela"),
    ("me faire du mal", "", ""),
    ("me scarifier", "", ""),
    ("me pendre", "", ""),
    ("envie de disparaître", "", ""),
    ("ne plus me réveiller", "", ""),
    ("plus la force de continuer", "", ""),
    ("mieux mourir", "", ""),
]


def compile_phrases(rows) -> list[Phrase]:
    return [Phrase.compile(text, after, before) for text, after, before in rows]


def danger_in(text: str, phrases: list[Phrase]) -> list[str]:
    """The watched phrases found in TEXT (their written form), in the lexicon's order."""
    text_words = words(text)
    return [phrase.text for phrase in phrases if phrase.found_in(text_words)]


def for_browser(phrases: list[Phrase]) -> dict:
    return {
        "phrases": [
            {
                "stems": list(p.stems),
                "notFollowedBy": list(p.not_followed_by),
                "notPrecededBy": list(p.not_preceded_by),
            }
            for p in phrases
        ],
        "lemmas": LEMMAS,
        "pronouns": sorted(PRONOUNS),
        "pronoun": PRONOUN,
        "break": BREAK,
        "maxGap": MAX_GAP,
        "maxSuffix": MAX_SUFFIX,
    }
