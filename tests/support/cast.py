"""The named cast of the tests: psychologists, a supervisor, an outsider."""

from importlib import import_module
from itertools import count

from django.contrib.auth.hashers import make_password
from django.utils import timezone

from ecoute.accounts.models import Language, ListenerProfile, Role, User
from ecoute.presence.models import Presence, Status

PASSWORD = "un-mot-de-passe-solide"
_numbers = count(1)
SEEDED_LANGUAGES = dict(import_module("ecoute.accounts.migrations.0002_languages").LANGUAGES)
_password_hash: list[str] = []


def _hashed_password() -> str:
    """One real (slow) hash for the whole run: every test user shares the same password."""
    if not _password_hash:
        _password_hash.append(make_password(PASSWORD))
    return _password_hash[0]


def _user(username: str, role: str, first_name: str = "") -> User:
    return User.objects.create(
        username=username, password=_hashed_password(), role=role, first_name=first_name
    )


def make_psychologist(
    first_name: str = "Claire", status: str = Status.OFFLINE, languages=("fr",), **profile
) -> User:
    user = _user(f"{first_name.lower()}{next(_numbers)}", Role.PSYCHOLOGIST, first_name)
    listener = ListenerProfile.objects.create(
        user=user, first_name=first_name, presentation=profile.get("presentation", "Psychologue clinicienne.")
    )
    # Transactional tests empty every table, the seeded languages included: recreate what is needed,
    # with the names the migration seeds (the pages show them, translated).
    listener.languages.set(
        [
            Language.objects.get_or_create(code=code, defaults={"name": SEEDED_LANGUAGES.get(code, code)})[0]
            for code in languages
        ]
    )
    Presence.objects.create(user=user, status=status, session="test-session", last_seen=timezone.now())
    return user


def make_outsider() -> User:
    """A staff account with no place on the line (an administrator)."""
    return _user(f"outsider{next(_numbers)}", Role.ADMINISTRATOR)
