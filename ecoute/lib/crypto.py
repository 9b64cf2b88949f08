"""Health data encrypted at rest: a text field whose column only ever holds Fernet tokens.

Every free text that can hold health data is an EncryptedTextField: the contact note, the reason of
a supervisor's alert ("la personne dit avoir pris des médicaments"), the reason of a note read.
The keys come from settings.ECOUTE_NOTE_KEYS (newest first, see note_keys.py), never from SECRET_KEY,
so that rotating one never touches the other. The field hands Python a `Sealed` value: the
plaintext is only produced by `Sealed.open()`, called deliberately where the text is shown (a
contact note after its audit row; an alert's reason on the supervisors' board), and `str()` of a
sealed value never shows the text (templates, logs and the admin cannot leak it by accident).
"""

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.apps import apps
from django.conf import settings
from django.db import models, transaction


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
    """A stored, encrypted text. Empty texts are stored empty: there is nothing to hide."""

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


def opened(value) -> str:
    """The text of a field value, sealed (read from the database) or not yet (just assigned)."""
    return value.open() if isinstance(value, Sealed) else str(value or "")


def encrypted_fields() -> list[tuple[type[models.Model], str]]:
    """Every (model, field name) stored encrypted, in every installed app."""
    return [
        (model, field.name)
        for model in apps.get_models()
        for field in model._meta.concrete_fields
        if isinstance(field, EncryptedTextField)
    ]


def rotate_every_field(batch: int = 500) -> dict[str, int]:
    """Re-encrypt every encrypted value of every model under the newest key; counts per model.field.

    Goes through the base manager: the append-only journals (NoteRead) refuse `update` through their
    own manager, and re-encryption changes no meaning, only the key.
    """
    counts = {}
    for model, name in encrypted_fields():
        rows = model._base_manager.exclude(**{name: ""}).exclude(**{f"{name}__isnull": True})
        ids = list(rows.order_by("pk").values_list("pk", flat=True))
        for start in range(0, len(ids), batch):
            with transaction.atomic():
                for pk, value in (
                    model._base_manager.select_for_update()
                    .filter(pk__in=ids[start : start + batch])
                    .values_list("pk", name)
                ):
                    model._base_manager.filter(pk=pk).update(**{name: Sealed(reseal(value.token))})
        counts[f"{model._meta.label}.{name}"] = len(ids)
    return counts


def encrypt_column(app_label: str, model_name: str, name: str):
    """A migration's RunPython pair: seal the plaintext already in a column just made encrypted; back: open it.

    Reversible while the keys are there. Forwards, a value that already decrypts is left as it is,
    so running it on a half-migrated table is safe.
    """

    def forwards(app_registry, schema_editor):
        model = app_registry.get_model(app_label, model_name)
        for pk, value in model._base_manager.exclude(**{name: ""}).values_list("pk", name).iterator():
            if not _is_token(value.token):
                model._base_manager.filter(pk=pk).update(**{name: value.token})  # a str: sealed on its way in

    def backwards(app_registry, schema_editor):
        model = app_registry.get_model(app_label, model_name)
        for pk, value in model._base_manager.exclude(**{name: ""}).values_list("pk", name).iterator():
            model._base_manager.filter(pk=pk).update(
                **{name: Sealed(value.open())}
            )  # written as it is: plaintext

    return forwards, backwards


def _is_token(text: str) -> bool:
    try:
        unseal(text)
    except (NoteKeyError, UnicodeEncodeError):
        return False
    return True
