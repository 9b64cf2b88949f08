"""What the phone line says, and where the recordings are (docs/telephony.md, "The prompts").

Each prompt is one WAV file in the prompts folder (ECOUTE_PHONE_PROMPTS, default telephony/prompts/):
8 kHz, mono, 16-bit PCM, named after its key below. `tools/make_prompts.py` makes French ones with
espeak-ng and sox at set-up; they can be replaced by recordings of human voices with the same names,
without touching code. Nothing here is committed as audio.
"""

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SENTENCES = {
    "welcome": (
        "Bonjour, vous êtes sur la ligne d'écoute des soignants. L'appel est gratuit et anonyme : "
        "votre numéro n'est pas transmis. Un psychologue va vous répondre."
    ),
    "waiting": (
        "Merci de patienter, nous cherchons un psychologue libre. Vous n'êtes pas seul : restez en ligne, "
        "quelqu'un va vous répondre."
    ),
    "connecting": "Un psychologue vous répond.",
    "unavailable": (
        "La ligne ne peut pas prendre votre appel pour le moment. Rappelez dans quelques minutes. "
        "En cas de danger immédiat, appelez le 15, le 112, ou le 31 14."
    ),
}


def folder() -> Path:
    return Path(os.environ.get("ECOUTE_PHONE_PROMPTS") or ROOT / "telephony" / "prompts")


def path(name: str) -> Path:
    if name not in SENTENCES:
        raise KeyError(f"no prompt named {name!r}")
    return folder() / f"{name}.wav"


def missing() -> list[str]:
    return [name for name in SENTENCES if not path(name).exists()]
