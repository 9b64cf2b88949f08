"""The network of trained people (sentinelles): who was trained, when, in what, and when a refresher is due.

It is not a list kept by hand: it grows from the attendance of the trainings (a registration marked
attended on the sign-in sheet), one person per e-mail address, and lasts as long as those
registrations do (ECOUTE_PROGRAMME_ATTENDANCE_DAYS, docs/retention.md). The public figure (« N
personnes formées ») is the same count, with the statistics' small-cell rule.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.db.models.functions import Lower
from django.utils import timezone

from ecoute.stats.suppression import min_cell

from .models import Kind, Registration, State


@dataclass
class Training:
    day: date
    title: str
    theme: str


@dataclass
class Sentinel:
    email: str
    name: str = ""
    profession: str = ""
    trainings: list[Training] = field(default_factory=list)

    @property
    def last_trained(self) -> date:
        return max(training.day for training in self.trainings)

    @property
    def refresher_due(self) -> date:
        return self.last_trained + timedelta(days=settings.ECOUTE_SENTINEL_REFRESHER_DAYS)


def _attended_trainings():
    return Registration.objects.filter(event__kind=Kind.FORMATION, state=State.ATTENDED)


def network() -> list[Sentinel]:
    """Everyone who attended a training, once each, the refreshers most overdue first."""
    people: dict[str, Sentinel] = {}
    rows = _attended_trainings().select_related("event", "profession").order_by("event__starts_at")
    for registration in rows:
        person = people.setdefault(registration.email.lower(), Sentinel(registration.email.lower()))
        person.name = registration.name or person.name
        person.profession = str(registration.profession or "") or person.profession
        event = registration.event
        person.trainings.append(Training(timezone.localdate(event.starts_at), event.title, event.theme))
    return sorted(people.values(), key=lambda person: (person.refresher_due, person.email))


def trained_count() -> int | None:
    """How many people the association trained (attendance kept), None when fewer than the statistics' k."""
    count = _attended_trainings().annotate(address=Lower("email")).values("address").distinct().count()
    return count if count >= min_cell() else None
