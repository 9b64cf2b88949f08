"""The keys of the encrypted notes, read at start (no Django import: settings.py uses this)."""

import base64
import hashlib

from cryptography.fernet import Fernet

from .env import ConfigurationError, env_str

# Derived from a public label: it protects nothing, and exists only so that `make demo` runs
# without configuration. note_keys() refuses it unless DJANGO_DEBUG=1.
DEVELOPMENT_NOTE_KEY = base64.urlsafe_b64encode(
    hashlib.sha256(b"ecoute development note key - NOT SECRET").digest()
).decode()


def parse_keys(raw: str) -> list[str]:
    """Comma-separated Fernet keys, newest first, each checked to be a valid key."""
    keys = [key.strip() for key in raw.split(",") if key.strip()]
    for position, key in enumerate(keys, start=1):
        try:
            Fernet(key)
        except (ValueError, TypeError) as error:
            raise ConfigurationError(
                f"ECOUTE_NOTE_KEYS: key {position} is not a Fernet key (32 url-safe base64 bytes; "
                "make one with: python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())')"
            ) from error
    return keys


def note_keys(debug: bool) -> list[str]:
    """ECOUTE_NOTE_KEYS (or ECOUTE_NOTE_KEYS_FILE); the development key only on a DEBUG run."""
    keys = parse_keys(env_str("ECOUTE_NOTE_KEYS"))
    if keys:
        return keys
    if not debug:
        raise ConfigurationError(
            "ECOUTE_NOTE_KEYS must be set: the notes of the contact records are encrypted with it"
        )
    return [DEVELOPMENT_NOTE_KEY]
