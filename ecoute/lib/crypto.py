"""Health data encrypted at rest: a text field whose column only ever holds Fernet tokens.

The keys come from settings.ECOUTE_NOTE_KEYS (newest first, see note_keys.py), never from SECRET_KEY, so that
rotating one never touches the other. The field hands Python a `Sealed` value: the plaintext is
only produced by `Sealed.open()`, which the contacts app calls after writing its audit row, and
`str()` of a sealed value never shows the text (templates, logs and the admin cannot leak it).
"""

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.db import models


class NoteKeyError(RuntimeError):
    """The note keys are missing or cannot decrypt what is stored: nothing is shown or written."""


def note_cipher() -> MultiFernet:
    """Encrypts with the first key, decrypts with any of them."""
    keys = settings.ECOUTE_NOTE_KEYS
    if not keys:
        raise NoteKeyError("ECOUTE_NOTE_KEYS is empty: notes can be neither written nor read")
    return MultiFernet([Fernet(key) for key in keys])


def seal(plaintext: str) -> str:
    return note_cipher().encrypt(plaintext.encode("utf-8")).decode("ascii")


def unseal(token: str) -> str:
    try:
        return note_cipher().decrypt(token.encode("ascii")).decode("utf-8")
    except InvalidToken:
        raise NoteKeyError(
            "a note cannot be decrypted with ECOUTE_NOTE_KEYS: the key it was written with is missing"
        ) from None


def reseal(token: str) -> str:
    """The same plaintext under the newest key (MultiFernet.rotate)."""
    try:
        return note_cipher().rotate(token.encode("ascii")).decode("ascii")
    except InvalidToken:
        raise NoteKeyError("a note cannot be re-encrypted: the key it was written with is missing") from None


class Sealed:
    """A stored, encrypted text. Empty notes are stored empty: there is nothing to hide."""

    __slots__ = ("token",)

    def __init__(self, token: str):
        self.token = token

    def __bool__(self) -> bool:
        return bool(self.token)

    def __str__(self) -> str:
        return "[note chiffrée]" if self.token else ""

    __repr__ = __str__

    def __eq__(self, other) -> bool:
        return isinstance(other, Sealed) and other.token == self.token

    __hash__ = None

    def open(self) -> str:
        return unseal(self.token) if self.token else ""


class EncryptedTextField(models.TextField):
    """Assign a str to store it encrypted; read back a Sealed value."""

    def from_db_value(self, value, expression, connection):
        return None if value is None else Sealed(value)

    def to_python(self, value):
        # A plaintext str stays plaintext in memory until get_prep_value seals it.
        return value

    def get_prep_value(self, value):
        if value is None:
            return None
        if isinstance(value, Sealed):
            return value.token
        text = str(value)
        return seal(text) if text else ""

    def value_to_string(self, obj):
        """Serialisation (dumpdata) writes the token, never the text."""
        value = self.value_from_object(obj)
        return self.get_prep_value(value) or ""
