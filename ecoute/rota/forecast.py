"""Calls per half-hour for the coming weeks, from the line's own history.

The shape of a week (weekday × half-hour, in the line's time zone) is averaged over the last
HISTORY_WEEKS weeks; its level is the last RECENT_WEEKS weeks', carried forward by their trend
against the weeks before; known events (Adjustment) multiply the days they cover. Handle time and
callers' patience are measured from the same records: the patience by Erlang A's estimate, the
number of callers who gave up over the total time all callers waited (exponential patience,
the callers answered before giving up counting as censored observations).
"""

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from django.conf import settings
from django.utils import timezone

from ecoute.calls.models import Call, CallState

from .models import Adjustment

HALF_HOUR = timedelta(minutes=30)
HISTORY_WEEKS = 12
RECENT_WEEKS = 4
# The trend is believed only within these bounds (a few odd weeks must not double the rota).
TREND_BOUNDS = (0.5, 2.0)
# How far ahead a trend is carried (beyond, the level stays where it got).
TREND_HORIZON_WEEKS = 8
# A line where nobody has given up yet: patience taken as half an hour (Erlang A then ≈ Erlang C).
PATIENCE_WITHOUT_ABANDONMENT = 1800.0


@dataclass(frozen=True)
class Measures:
    """What the records say of the calls themselves."""

    handle_seconds: float  # the whole time a call holds a listener: talk, then wrap-up
    patience_seconds: float
    calls: int
    abandoned: int
    wrap_up_seconds: float = 0.0  # the part of the handle time spent in wrap-up


@dataclass(frozen=True)
class Slot:
    start: datetime  # aware, on a half-hour
    calls: float  # expected calls starting in this half-hour


def slot_key(moment: datetime) -> tuple[int, int]:
    """(weekday, half-hour of the day) of MOMENT in the line's time zone."""
    local = timezone.localtime(moment)
    return local.weekday(), local.hour * 2 + local.minute // 30


def half_hours(first_day: date, days: int) -> list[datetime]:
    """Every half-hour from FIRST_DAY's midnight for DAYS days (a DST day has 46 or 50 of them)."""
    # Stepped in UTC: an aware datetime in a zone adds wall-clock time, blind to the clock change.
    start = timezone.make_aware(datetime.combine(first_day, time())).astimezone(UTC)
    end = timezone.make_aware(datetime.combine(first_day + timedelta(days=days), time())).astimezone(UTC)
    moments, moment = [], start
    while moment < end:
        moments.append(timezone.localtime(moment))
        moment += HALF_HOUR
    return moments


def history_since(now: datetime) -> datetime:
    return now - timedelta(weeks=HISTORY_WEEKS)


def weeks_of_history(times: list[datetime], now: datetime) -> int:
    """Whole weeks the history really covers (a young line has fewer than HISTORY_WEEKS)."""
    if not times:
        return 0
    return max(1, min(HISTORY_WEEKS, round((now - min(times)) / timedelta(weeks=1))))


def trend_of(times: list[datetime], now: datetime, weeks: int) -> float:
    """Weekly calls of the last RECENT_WEEKS over those of the weeks before (1 without enough history)."""
    if weeks <= RECENT_WEEKS:
        return 1.0
    split = now - timedelta(weeks=RECENT_WEEKS)
    recent = sum(1 for moment in times if moment >= split) / RECENT_WEEKS
    before = sum(1 for moment in times if moment < split) / (weeks - RECENT_WEEKS)
    if before == 0:
        return TREND_BOUNDS[1] if recent else 1.0
    return min(max(recent / before, TREND_BOUNDS[0]), TREND_BOUNDS[1])


def adjustment_factor(day: date, adjustments: list[Adjustment]) -> float:
    factor = 1.0
    for adjustment in adjustments:
        if adjustment.first_day <= day <= adjustment.last_day:
            factor *= adjustment.factor
    return factor


def forecast(first_day: date, days: int, now: datetime | None = None) -> list[Slot]:
    """Expected calls in each half-hour of DAYS days from FIRST_DAY, from the history before NOW."""
    now = now or timezone.now()
    times = list(
        Call.objects.filter(requested_at__gte=history_since(now), requested_at__lt=now).values_list(
            "requested_at", flat=True
        )
    )
    weeks = weeks_of_history(times, now)
    moments = half_hours(first_day, days)
    if not weeks:
        return [Slot(moment, 0.0) for moment in moments]
    shape = Counter(slot_key(moment) for moment in times)
    total = len(times)
    recent_weeks = min(RECENT_WEEKS, weeks)
    recent_weekly = sum(1 for t in times if t >= now - timedelta(weeks=recent_weeks)) / recent_weeks
    # A week's growth: the two windows' middles are WEEKS / 2 weeks apart.
    growth = trend_of(times, now, weeks) ** (2 / weeks)
    adjustments = list(
        Adjustment.objects.filter(last_day__gte=first_day, first_day__lt=first_day + timedelta(days=days))
    )
    slots = []
    for moment in moments:
        ahead = min(max((moment - now) / timedelta(weeks=1) + recent_weeks / 2, 0), TREND_HORIZON_WEEKS)
        expected = shape[slot_key(moment)] / total * recent_weekly * growth**ahead
        slots.append(Slot(moment, expected * adjustment_factor(moment.date(), adjustments)))
    return slots


def measures(now: datetime | None = None) -> Measures:
    """Handle time and patience over the history window (defaults while the line has none).

    The handle time is what an answered call holds its listener: the talk (answered → ended) and
    the wrap-up after it (its length noted on the call when it ends, ecoute/presence/actions.py),
    each averaged over the calls that measure it; before any wrap-up is measured, the wrap-up the
    line is set to (ECOUTE_WRAP_UP_SECONDS).
    """
    now = now or timezone.now()
    calls = Call.objects.filter(requested_at__gte=history_since(now), requested_at__lt=now)
    talked = waited = wrapped = 0.0
    answered = abandoned = wrap_ups = 0
    for requested, answered_at, ended, state, wrap_up in calls.values_list(
        "requested_at", "answered_at", "ended_at", "state", "wrap_up_seconds"
    ):
        if answered_at:
            waited += (answered_at - requested).total_seconds()
            if ended:
                talked += (ended - answered_at).total_seconds()
                answered += 1
            if wrap_up is not None:
                wrapped += wrap_up
                wrap_ups += 1
        elif state == CallState.ABANDONED and ended:
            waited += (ended - requested).total_seconds()
            abandoned += 1
    talk = talked / answered if answered else float(settings.ECOUTE_DEFAULT_HANDLE_SECONDS)
    wrap_up = wrapped / wrap_ups if wrap_ups else float(settings.ECOUTE_WRAP_UP_SECONDS)
    return Measures(
        handle_seconds=talk + wrap_up,
        patience_seconds=waited / abandoned if abandoned else PATIENCE_WITHOUT_ABANDONMENT,
        calls=calls.count(),
        abandoned=abandoned,
        wrap_up_seconds=wrap_up,
    )
