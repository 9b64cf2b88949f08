"""What the phone line says, and where the recordings are (docs/telephony.md, "The prompts").

Each prompt is one WAV file, `<folder>/<language>/<name>.wav`, in the prompts folder
(ECOUTE_PHONE_PROMPTS, default telephony/prompts/): 8 kHz, mono, 16-bit PCM. `tools/make_prompts.py`
makes them with espeak-ng and sox at set-up; recordings of human voices with the same names replace
them without touching code. Nothing here is committed as audio.
"""

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LANGUAGES = ("fr", "en")
# Places said one by one up to this; beyond, "more than" it.
MAX_SPOKEN_PLACE = 20
# The estimate is said rounded up to one of these (minutes).
SPOKEN_MINUTES = (1, 2, 3, 5, 10, 15, 20, 30, 45, 60)


def _numbered(place: str, more: str, minutes: str, hour: str) -> dict[str, str]:
    sentences = {f"place_{n}": place % n for n in range(1, MAX_SPOKEN_PLACE + 1)}
    sentences["place_more"] = more % MAX_SPOKEN_PLACE
    sentences.update({f"wait_{m}": minutes % m for m in SPOKEN_MINUTES[:-1]})
    sentences[f"wait_{SPOKEN_MINUTES[-1]}"] = hour
    return sentences


SENTENCES = {
    "fr": {
        "welcome": (
            "Bonjour, vous êtes sur la ligne d'écoute des soignants. L'appel est gratuit et anonyme : "
            "votre numéro n'est pas transmis. Un psychologue va vous répondre."
        ),
        "menu": (
            "Si vous êtes en danger, ou si vous avez des idées suicidaires, tapez 1. "
            "Si un psychologue vous a donné un code de suivi, tapez étoile, puis les six chiffres. "
            "Pour être mis en relation tout de suite, tapez dièse."
        ),
        "code_known": (
            "Merci. Votre appel est proposé d'abord au psychologue qui vous a donné ce code. "
            "Pour parler à un autre psychologue, tapez 0."
        ),
        "code_unknown": "Ce code de suivi n'est pas reconnu. Nous cherchons un psychologue libre.",
        "code_limited": (
            "Trop de codes de suivi ont été essayés depuis ce numéro aujourd'hui : celui-ci n'a pas été vérifié. "
            "Nous cherchons un psychologue libre."
        ),
        "supervisor_offer": "L'attente est longue. Pour parler à un superviseur, tapez 9.",
        "supervisor_asked": (
            "Merci. Un superviseur de la plateforme est prévenu et va prendre votre appel dès que possible. "
            "Restez en ligne."
        ),
        "urgent": (
            "Votre appel passe en priorité et un cadre de la plateforme est prévenu. Restez en ligne. "
            "En cas de danger immédiat, le 15, le 112, et le 31 14 répondent aussi jour et nuit."
        ),
        "waiting": (
            "Merci de patienter, nous cherchons un psychologue libre. Vous n'êtes pas seul : restez en ligne, "
            "quelqu'un va vous répondre. Si vous êtes en danger, tapez 1."
        ),
        "unavailable": (
            "La ligne ne peut pas prendre votre appel pour le moment. Rappelez dans quelques minutes. "
            "En cas de danger immédiat, appelez le 15, le 112, ou le 31 14."
        ),
        **_numbered(
            "Vous êtes en position %d dans la file.",
            "Plus de %d personnes attendent avant vous.",
            "Attente estimée : environ %d minutes.",
            "Attente estimée : une heure ou plus.",
        ),
    },
    "en": {
        # Said in English within the French welcome: the way to the English menu.
        "offer": "For English, press 2.",
        "welcome": (
            "You have reached the listening line for health professionals. The call is free and anonymous: "
            "your number is not passed on. A psychologist will answer you."
        ),
        "code_known": (
            "Thank you. Your call is offered first to the psychologist who gave you this code. "
            "To talk to another psychologist, press 0."
        ),
        "code_unknown": "This follow-up code is not known. We are looking for a free psychologist.",
        "code_limited": (
            "Too many follow-up codes have been tried from this number today: this one was not checked. "
            "We are looking for a free psychologist."
        ),
        "supervisor_offer": "The wait is long. To talk to a supervisor, press 9.",
        "supervisor_asked": (
            "Thank you. A supervisor of the line has been told and will take your call as soon as possible. "
            "Please stay on the line."
        ),
        "urgent": (
            "Your call now comes first and a supervisor has been told. Please stay on the line. "
            "If you are in immediate danger, 15, 112 and 31 14 also answer day and night."
        ),
        "waiting": (
            "Thank you for waiting, we are looking for a free psychologist. You are not alone: stay on the "
            "line, someone will answer you. If you are in danger, press 1."
        ),
        "unavailable": (
            "The line cannot take your call right now. Please call again in a few minutes. "
            "If you are in immediate danger, call 15, 112, or 31 14."
        ),
        **_numbered(
            "You are number %d in the queue.",
            "More than %d people are waiting before you.",
            "Estimated wait: about %d minutes.",
            "Estimated wait: an hour or more.",
        ),
    },
}


def folder() -> Path:
    return Path(os.environ.get("ECOUTE_PHONE_PROMPTS") or ROOT / "telephony" / "prompts")


def path(name: str, language: str = "fr") -> Path:
    if name not in SENTENCES.get(language, {}):
        raise KeyError(f"no prompt named {name!r} in {language!r}")
    return folder() / language / f"{name}.wav"


def missing() -> list[str]:
    return [
        f"{language}/{name}"
        for language, names in SENTENCES.items()
        for name in names
        if not path(name, language).exists()
    ]


def place_and_wait(position: int, estimated_seconds: int | None) -> list[str]:
    """The prompts that say a waiting caller's place and an honest estimate (rounded up, never down)."""
    names = [f"place_{position}" if position <= MAX_SPOKEN_PLACE else "place_more"]
    if estimated_seconds:
        minutes = -(-estimated_seconds // 60)
        names.append(f"wait_{next((m for m in SPOKEN_MINUTES if m >= minutes), SPOKEN_MINUTES[-1])}")
    return names
