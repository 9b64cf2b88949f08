"""The named cast of the tests: psychologists, a supervisor, an outsider."""

from itertools import count

from django.utils import timezone

from ecoute.accounts.models import Language, ListenerProfile, Role, User
from ecoute.presence.models import Presence, Status

PASSWORD = "un-mot-de-passe-solide"
_numbers = count(1)


def make_psychologist(first_name: str = "Claire", status: str = Status.OFFLINE, languages=("fr",), **profile) -> User:
    user = User.objects.create_user(
        username=f"{first_name.lower()}{next(_numbers)}", password=PASSWORD, role=Role.PSYCHOLOGIST, first_name=first_name
    )
    listener = ListenerProfile.objects.create(user=user, first_name=first_name, presentation=profile.get("presentation", "Psychologue clinicienne."))
    # Transactional tests empty every table, the seeded languages included: recreate what is needed.
    listener.languages.set([Language.objects.get_or_create(code=code, defaults={"name": code})[0] for code in languages])
    Presence.objects.create(user=user, status=status, session="test-session", last_seen=timezone.now())
    return user


def make_outsider() -> User:
    """A staff account with no place on the line (an administrator)."""
    return User.objects.create_user(username=f"outsider{next(_numbers)}", password=PASSWORD, role=Role.ADMINISTRATOR)
