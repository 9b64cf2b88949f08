"""Series of sessions (eJADES two or three times a week): copies of one event, by a recurrence rule.

A Series holds an RFC 5545 rule (dateutil reads it) and a model session; generate() makes one Event
per occurrence, remembering the occurrence it stands for (Event.occurrence). Staff may then move,
edit or cancel any session on its own; running generate() again adds only what is missing. The
iCalendar feed (calendar.py) gives a series as one recurring entry: its rule, an EXDATE for each
session cancelled or withdrawn, and a RECURRENCE-ID entry for each one moved or retitled.
"""

from datetime import datetime, timedelta

from dateutil.rrule import rrulestr
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from .models import Event, Series, Slot, Workshop

# A rule that gives more sessions than this is surely a slip (a year of daily sessions is 365).
MOST_SESSIONS = 200


class RuleProblem(ValueError):
    """A recurrence rule that cannot be used; the message says why, for the staff member who typed it."""


def occurrences(rule: str, first_start: datetime) -> list[datetime]:
    """The starts RULE gives from FIRST_START, in Paris time (12:30 stays 12:30 in summer)."""
    text = rule.strip().removeprefix("RRULE:")
    if not text or "\n" in text or ":" in text:
        raise RuleProblem(gettext("Donnez une seule règle, par exemple FREQ=WEEKLY;BYDAY=TU,TH;COUNT=20."))
    parts = {part.split("=", 1)[0].upper() for part in text.split(";") if part}
    if not parts & {"COUNT", "UNTIL"}:
        raise RuleProblem(gettext("La règle doit dire quand la série s'arrête : COUNT=… ou UNTIL=…."))
    start = timezone.localtime(first_start)
    try:
        rule_set = rrulestr(text, dtstart=start)
        starts = []
        for occurrence in rule_set:
            starts.append(occurrence)
            if len(starts) > MOST_SESSIONS:
                raise RuleProblem(
                    gettext("La règle donne plus de %(n)s séances : vérifiez COUNT ou UNTIL.")
                    % {"n": MOST_SESSIONS}
                )
    except (ValueError, TypeError) as error:
        if isinstance(error, RuleProblem):
            raise
        raise RuleProblem(
            gettext("Règle de récurrence illisible (%(error)s). Exemple : FREQ=WEEKLY;BYDAY=TU,TH;COUNT=20.")
            % {"error": error}
        ) from None
    if not starts:
        raise RuleProblem(gettext("Cette règle ne donne aucune séance."))
    return starts


@transaction.atomic
def generate(series: Series, publish: bool = False) -> list[Event]:
    """A session for each occurrence of SERIES that has none yet: a copy of its model session,
    published at once or (by default) left for staff to review and publish."""
    template = series.template
    length = template.ends_at - template.starts_at
    existing = set(series.sessions.values_list("occurrence", flat=True))
    made = []
    for start in occurrences(series.rule, series.first_start):
        if start in existing:
            continue
        made.append(
            _copy(
                template,
                start,
                start + length,
                series=series,
                occurrence=start,
                title=series.title,
                published=publish,
            )
        )
    return made


def _copy(event: Event, starts_at, ends_at, **fields) -> Event:
    """A copy of EVENT (slots and workshops too) at another time, unpublished unless FIELDS say otherwise."""
    shift = starts_at - event.starts_at
    copy = Event.objects.get(pk=event.pk)
    copy.pk = None
    copy.starts_at, copy.ends_at = starts_at, ends_at
    copy.cancelled_at, copy.series, copy.occurrence = None, None, None
    copy.created_at = timezone.now()
    for name, value in fields.items():
        setattr(copy, name, value)
    copy.save()
    for slot in event.slots.prefetch_related("workshops"):
        new_slot = Slot.objects.create(
            event=copy, label=slot.label, starts_at=slot.starts_at + shift, ends_at=slot.ends_at + shift
        )
        Workshop.objects.bulk_create(
            Workshop(slot=new_slot, title=w.title, capacity=w.capacity) for w in slot.workshops.all()
        )
    return copy


@transaction.atomic
def repeat_weekly(event: Event, weeks: int) -> list[Event]:
    """WEEKS copies of EVENT (its slots and workshops too), one a week after it, unpublished for review.

    A week that already has the same title at the same time is skipped: running it twice adds nothing.
    """
    made = []
    for week in range(1, weeks + 1):
        shift = timedelta(weeks=week)
        if Event.objects.filter(title=event.title, starts_at=event.starts_at + shift).exists():
            continue
        copy = _copy(event, event.starts_at + shift, event.ends_at + shift, published=False)
        made.append(copy)
    return made
