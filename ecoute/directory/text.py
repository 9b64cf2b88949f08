"""Names as people type them: without accents, case, hyphens or apostrophes."""

import re
import unicodedata

_SEPARATORS = re.compile(r"[\s\-'’_.,/()]+")
# People type "St Denis" as often as "Saint-Denis".
_ABBREVIATIONS = {"st": "saint", "ste": "sainte"}


def search_key(text: str) -> str:
    """'Saint-Étienne-du-Rouvray' and 'st etienne du rouvray' give the same key."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(char for char in decomposed if not unicodedata.combining(char)).lower()
    words = [word for word in _SEPARATORS.split(plain) if word]
    return " ".join(_ABBREVIATIONS.get(word, word) for word in words)
