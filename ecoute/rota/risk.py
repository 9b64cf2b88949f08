"""The risk that a caller waits in the coming hour, live, for the supervisors' board and its alert.

The same model as the rota (docs/rota.md): the forecast's calls for the half-hours of the coming
hour, the line's measured handle time and patience, Erlang A. Only the listeners differ: not the
ones planned, the ones the line can count on, i.e. those online now (as long as their shift lasts;
one online without a shift is taken to stay the hour) and those whose shift has not begun yet. A
psychologist whose shift has begun and who is not online is not counted: late or absent, they are
among the people to ask, with the ones whose declared availability covers the hour.

The forecast reads weeks of history: it is kept FORECAST_KEPT_SECONDS per process (the timers ask
every second, every open board every two seconds), the rest is a few indexed reads.
"""

import time as monotonic
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache

from django.conf import settings
from django.utils import timezone

from ecoute.accounts.access import LISTENING_ROLES
from ecoute.accounts.models import ListenerProfile
from ecoute.calls.simulator.erlang import erlang_a_prediction
from ecoute.lib import clock
from ecoute.presence.history import ONLINE
from ecoute.presence.models import Presence

from .forecast import HALF_HOUR, Measures, Slot, forecast, measures
from .models import AvailabilityException, Shift, ShiftStatus, WeeklyAvailability
from .planning import free_half_hours
from .requirement import Target, listeners_for, rounded

HOUR_AHEAD = timedelta(hours=1)
FORECAST_KEPT_SECONDS = 60
# Names listed in the alert, each kind: enough to find someone, short enough to read at a glance.
NAMES_SHOWN = 8

_kept: dict[str, tuple[float, date, list[Slot], Measures]] = {}
# What this process last told the boards ((percent, understaffed)): an event only on a change.
_told: dict[str, tuple[int, bool]] = {}


@dataclass(frozen=True)
class HalfHour:
    start: datetime
    calls: float  # expected within the coming hour (the part of the half-hour inside it)
    needed: int  # listeners the rota's requirement asks for
    scheduled: int  # listeners whose shift covers it
    counted: int  # listeners counted on (see the module's docstring)
    waiting: float  # share of its callers not answered within the target seconds

    @property
    def missing(self) -> int:
        """Listeners the planning lacks against the requirement."""
        return max(self.needed - self.scheduled, 0)


@dataclass(frozen=True)
class Risk:
    probability: float  # share of the coming hour's callers not answered within `seconds`
    seconds: int
    online: int
    half_hours: list[HalfHour]
    rota_in_use: bool  # some shift is planned around now: "scheduled below needed" means something

    @property
    def percent(self) -> int:
        return round(100 * self.probability)

    @property
    def understaffed(self) -> bool:
        """A half-hour of the coming hour planned below what the requirement asks."""
        return self.rota_in_use and any(h.missing for h in self.half_hours)

    @property
    def alarming(self) -> bool:
        """Worth an alert: a line that plans with the rota, at risk or planned short."""
        return self.rota_in_use and (self.probability > settings.ECOUTE_ROTA_RISK_ALERT or self.understaffed)


def forget() -> None:
    """The next reading computes the forecast again and tells nothing (the tests, between two lines)."""
    _kept.clear()
    _told.clear()


def news(reading: "Risk") -> bool:
    """Whether READING differs from what this process last told the boards (the first one does not:
    a board reads the risk with its page)."""
    now_told, before = (reading.percent, reading.understaffed), _told.get("boards")
    _told["boards"] = now_told
    return before is not None and before != now_told


def _forecast_around(now: datetime) -> tuple[list[Slot], Measures]:
    """Today's and tomorrow's forecast slots (the coming hour may cross midnight), and the measures."""
    today = timezone.localtime(now).date()
    kept = _kept.get("line")
    if kept and kept[1] == today and monotonic.monotonic() - kept[0] < FORECAST_KEPT_SECONDS:
        return kept[2], kept[3]
    slots, line = forecast(today, 2, now), measures(now)
    _kept["line"] = (monotonic.monotonic(), today, slots, line)
    return slots, line


def _share_inside(slot_start: datetime, now: datetime) -> float:
    """The share of the half-hour from SLOT_START that lies within the coming hour."""
    start, end = max(slot_start, now), min(slot_start + HALF_HOUR, now + HOUR_AHEAD)
    return max((end - start) / HALF_HOUR, 0.0)


@lru_cache(maxsize=4096)
def waiting_share(calls: float, handle: int, patience: int, listeners: int, seconds: int) -> float:
    """Erlang A: the share of callers not answered within SECONDS, CALLS expected in a half-hour."""
    if calls <= 0:
        return 0.0
    rate = calls / HALF_HOUR.total_seconds()
    return 1 - erlang_a_prediction(rate, handle, listeners, patience, seconds).service_level


def _shifts_in(now: datetime) -> list[Shift]:
    return list(
        Shift.objects.filter(start__lt=now + HOUR_AHEAD, end__gt=now, supervising=False).exclude(
            status=ShiftStatus.CANCELLED
        )
    )


def online_ids() -> set[int]:
    return set(
        Presence.objects.filter(
            status__in=ONLINE, user__is_active=True, user__role__in=LISTENING_ROLES
        ).values_list("pk", flat=True)
    )


def rota_in_use(now: datetime) -> bool:
    day = timedelta(days=1)
    return (
        Shift.objects.filter(start__lt=now + day, end__gt=now - day)
        .exclude(status=ShiftStatus.CANCELLED)
        .exists()
    )


def counted_on(moment: datetime, now: datetime, online: set[int], shifts: list[Shift]) -> int:
    """Listeners the line can count on at MOMENT (a half-hour's start; now for the one under way)."""
    if moment <= now:
        return len(online)
    covering = {s.user_id for s in shifts if s.start <= moment < s.end}
    with_a_shift = {s.user_id for s in shifts}
    staying = {pk for pk in online if pk in covering or pk not in with_a_shift}
    coming = {s.user_id for s in shifts if s.start <= moment < s.end and s.start > now} - online
    return len(staying | coming)


def current(now: datetime | None = None) -> Risk:
    now = now or clock.now()
    slots, line = _forecast_around(now)
    target = Target.from_settings()
    # At least a second each: a young line's only call may have ended the instant it was answered.
    handle, patience = max(round(line.handle_seconds), 1), max(round(line.patience_seconds), 1)
    online, shifts = online_ids(), _shifts_in(now)
    half_hours, weighted, total = [], 0.0, 0.0
    for slot in slots:
        share = _share_inside(slot.start, now)
        if not share:
            continue
        counted = counted_on(max(slot.start, now), now, online, shifts)
        waiting = waiting_share(rounded(slot.calls), handle, patience, counted, int(target.seconds))
        needed = max(
            listeners_for(rounded(slot.calls), handle, patience, target), settings.ECOUTE_ROTA_MINIMUM
        )
        scheduled = sum(1 for s in shifts if s.start < slot.start + HALF_HOUR and s.end > slot.start)
        half_hours.append(HalfHour(slot.start, slot.calls * share, needed, scheduled, counted, waiting))
        weighted += slot.calls * share * waiting
        total += slot.calls * share
    return Risk(
        probability=weighted / total if total else 0.0,
        seconds=int(target.seconds),
        online=len(online),
        half_hours=half_hours,
        rota_in_use=rota_in_use(now),
    )


def _names(user_ids) -> list[str]:
    profiles = ListenerProfile.objects.filter(user_id__in=list(user_ids), user__is_active=True)
    return sorted(profiles.values_list("first_name", flat=True))[:NAMES_SHOWN]


def scheduled_offline(now: datetime | None = None) -> list[str]:
    """Psychologists planned within the coming hour who are not online."""
    now = now or clock.now()
    return _names({s.user_id for s in _shifts_in(now)} - online_ids())


def free_to_ask(now: datetime | None = None) -> list[str]:
    """Listeners whose declared availability covers the coming hour, neither planned in it nor online."""
    now = now or clock.now()
    local = timezone.localtime(now)
    first = local.hour * 2 + local.minute // 30
    wanted = {first, first + 1}  # the half-hour under way and the next one, the same day
    busy = {s.user_id for s in _shifts_in(now)} | online_ids()
    candidates = ListenerProfile.objects.filter(
        active=True, user__is_active=True, user__role__in=LISTENING_ROLES
    ).exclude(user_id__in=busy)
    ids = list(candidates.values_list("user_id", flat=True))
    weekly, exceptions = {}, {}
    for window in WeeklyAvailability.objects.filter(user_id__in=ids, weekday=local.weekday()):
        weekly.setdefault(window.user_id, []).append(window)
    for exception in AvailabilityException.objects.filter(
        user_id__in=ids, first_day__lte=local.date(), last_day__gte=local.date()
    ):
        exceptions.setdefault(exception.user_id, []).append(exception)
    free = [
        pk
        for pk in set(weekly) | {pk for pk, found in exceptions.items() if any(e.available for e in found)}
        if wanted & free_half_hours(weekly.get(pk, []), exceptions.get(pk, []), [local.date()])[local.date()]
    ]
    return _names(free)
