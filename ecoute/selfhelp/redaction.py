"""What in a testimony likely identifies someone: highlighted for the moderator, who decides.

Names after a title (Dr, Mme, M., Pr), words naming a place of care (CHU, hôpital, clinique, EHPAD,
service de…), capitalised words inside a sentence (likely names), e-mail addresses and phone numbers.
"""

import re

from django.utils.html import escape
from django.utils.safestring import mark_safe

LIKELY = re.compile(
    r"\b(?:Dr|Docteur|Pr|Professeur|Mme|Madame|Mlle|M\.|Monsieur)\s+[A-ZÉÈÀÂÎÔÛ][\w’'-]+"
    r"|\b(?:CHU|CHR|CH|GHT|AP-HP|EHPAD|clinique|hôpital|hopital|centre hospitalier|service de|pôle)\b(?:\s+(?:de|du|des|d’|d')?\s*[A-ZÉÈÀÂÎÔÛ][\w’'-]+)*"
    r"|[\w.+-]+@[\w-]+\.[\w.]+"
    r"|(?:\+33\s?|0)[1-9](?:[\s.-]?\d{2}){4}"
    r"|(?<=[a-zà-ÿ,;:] )[A-ZÉÈÀÂÎÔÛ][a-zà-ÿ’'-]{2,}",
)


def likely_identifying(text: str) -> list[str]:
    return [match.group(0) for match in LIKELY.finditer(text)]


def highlighted(text: str):
    """The text, escaped, with what likely identifies someone in <mark>."""
    parts, last = [], 0
    for match in LIKELY.finditer(text):
        parts.append(escape(text[last : match.start()]))
        parts.append(f"<mark>{escape(match.group(0))}</mark>")
        last = match.end()
    parts.append(escape(text[last:]))
    return mark_safe("".join(parts))
