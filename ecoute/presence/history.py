"""How many listeners were on the line, minute by minute: what the rota's coverage view shows as
"online" for the half-hours gone by (ecoute/rota/coverage.py), beside what was needed and planned.

Every server process's timers pass (ecoute/calls/timers.py) calls note_this_minute() about once a
second; the first process to do so in a minute writes its count, the others' inserts change
nothing. A count, never who: no one's presence is traced through the day.
"""

from datetime import datetime, timedelta

from ecoute.accounts.access import LISTENING_ROLES

from .models import OnlineMinute, Presence, Status

# On the line, whether free, ringing, talking or finishing a call.
ONLINE = (Status.AVAILABLE, Status.RINGING, Status.IN_CALL, Status.WRAP_UP)
HALF_HOUR_SECONDS = 1800
KEPT = timedelta(days=400)  # a year of weeks to compare, and the same week of the year before

_noted_minute: datetime | None = None  # this process's last minute written


def listeners_online() -> int:
    return Presence.objects.filter(
        status__in=ONLINE, user__is_active=True, user__role__in=LISTENING_ROLES
    ).count()


def note_this_minute(now: datetime) -> None:
    """The count of listeners online, once per minute per process (a second write changes nothing)."""
    global _noted_minute
    minute = now.replace(second=0, microsecond=0)
    if minute == _noted_minute:
        return
    OnlineMinute.objects.bulk_create(
        [OnlineMinute(minute=minute, listeners=listeners_online())], ignore_conflicts=True
    )
    _noted_minute = minute


def online_per_half_hour(start: datetime, end: datetime) -> dict[float, int]:
    """The fewest listeners online in one minute of each half-hour from START (a half-hour's start)
    to END that has counts, keyed by the half-hour's start as a timestamp. The fewest, not the mean:
    one minute with nobody free is the minute a caller may have waited."""
    first, fewest = start.timestamp(), {}
    counts = OnlineMinute.objects.filter(minute__gte=start, minute__lt=end)
    for minute, listeners in counts.values_list("minute", "listeners"):
        slot = first + (minute.timestamp() - first) // HALF_HOUR_SECONDS * HALF_HOUR_SECONDS
        fewest[slot] = min(fewest.get(slot, listeners), listeners)
    return fewest


def purge(now: datetime) -> int:
    return OnlineMinute.objects.filter(minute__lt=now - KEPT).delete()[0]
