"""The planner fed from the database: who can work when, what the line needs, what staff kept; and
its shifts stored. ecoute/rota/planner.py holds the model itself."""

from bisect import bisect_left
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from ecoute.accounts.access import LISTENING_ROLES, supervises
from ecoute.accounts.models import ListenerProfile

from . import intensity, planner
from .forecast import HALF_HOUR
from .models import LIVE_OFFERS, AvailabilityException, Commitment, Shift, ShiftStatus, WeeklyAvailability
from .requirement import Need, needs

ENGLISH = "en"


@dataclass
class Result:
    plan: planner.Plan
    horizon: planner.Horizon
    stored: int  # shifts written


def horizon_of(week_needs: list[Need]) -> planner.Horizon:
    return planner.Horizon(
        moments=[need.start for need in week_needs],
        listeners=[need.listeners for need in week_needs],
        supervisors=[need.supervisors for need in week_needs],
        english=[need.english for need in week_needs],
    )


def rules() -> planner.Rules:
    return planner.Rules(
        rest_hours=settings.ECOUTE_ROTA_REST_HOURS, nights_in_a_row=settings.ECOUTE_ROTA_NIGHTS_IN_A_ROW
    )


def free_half_hours(weekly, exceptions, days: list[date]) -> dict[date, set[int]]:
    """Half-hours of each day (0–47) the person can work: the weekly pattern, plus the days they
    added, minus the days they are away (away wins)."""
    free = {}
    for day in days:
        slots = set()
        for window in weekly:
            if window.weekday == day.weekday():
                first, end = window.minutes
                slots.update(range(first // 30, end // 30))
        covering = [e for e in exceptions if e.first_day <= day <= e.last_day]
        for exception in sorted(covering, key=lambda e: not e.available):  # additions first
            first, end = exception.minutes
            change = set(range(first // 30, end // 30))
            slots = slots | change if exception.available else slots - change
        free[day] = slots
    return free


def people(horizon: planner.Horizon) -> list[planner.Person]:
    """Every active listener with some availability in the horizon."""
    profiles = (
        ListenerProfile.objects.filter(active=True, user__is_active=True, user__role__in=LISTENING_ROLES)
        .select_related("user")
        .prefetch_related("languages")
    )
    users = [profile.user for profile in profiles]
    weekly, exceptions = defaultdict(list), defaultdict(list)
    for window in WeeklyAvailability.objects.filter(user__in=users):
        weekly[window.user_id].append(window)
    days = sorted({moment.date() for moment in horizon.moments})
    for exception in AvailabilityException.objects.filter(
        user__in=users, last_day__gte=days[0], first_day__lte=days[-1]
    ):
        exceptions[exception.user_id].append(exception)
    ceilings = dict(Commitment.objects.filter(user__in=users).values_list("user_id", "max_hours_per_week"))
    resting = rest_around(horizon, users)
    found = []
    for profile in profiles:
        free = free_half_hours(weekly[profile.user_id], exceptions[profile.user_id], days)
        available = frozenset(
            index
            for index, moment in enumerate(horizon.moments)
            if moment.hour * 2 + moment.minute // 30 in free[moment.date()]
            and index not in resting[profile.user_id]
        )
        if available:
            found.append(
                planner.Person(
                    id=profile.user_id,
                    max_hours_per_week=ceilings.get(
                        profile.user_id, Commitment._meta.get_field("max_hours_per_week").default
                    ),
                    available=available,
                    english=any(language.code == ENGLISH for language in profile.languages.all()),
                    supervising=supervises(profile.user),
                    recovery=recovery_span(horizon, profile.user_id),
                )
            )
    return found


def recovery_span(horizon: planner.Horizon, user_id: int) -> tuple[int, int] | None:
    """The person's recovery after high-intensity shifts in a row, as half-hours of the horizon."""
    span = intensity.recovery(user_id)
    if span is None:
        return None
    instants = [moment.timestamp() for moment in horizon.moments]
    first, until = (bisect_left(instants, moment.timestamp()) for moment in span)
    return (first, until) if first < until else None


def rest_around(horizon: planner.Horizon, users) -> dict[int, set[int]]:
    """Half-hours of the horizon each person must rest in, because of their shifts just before or just
    after it (another week's): the rest rule holds across the edges of the week planned."""
    rest = timedelta(hours=settings.ECOUTE_ROTA_REST_HOURS)
    start = horizon.moments[0]
    end = horizon.moments[-1].astimezone(UTC) + HALF_HOUR
    instants = [moment.timestamp() for moment in horizon.moments]
    resting = defaultdict(set)
    around = Shift.objects.filter(user__in=[user.pk for user in users]).exclude(status=ShiftStatus.CANCELLED)
    before = list(around.filter(end__gt=start - rest, end__lte=start))
    for shift in before + list(around.filter(start__gte=end, start__lt=end + rest)):
        first, last = (
            (shift.start - rest, shift.start) if shift.start >= end else (shift.end, shift.end + rest)
        )
        resting[shift.user_id].update(
            index
            for index, instant in enumerate(instants)
            if first.timestamp() - 1800 < instant < last.timestamp()
        )
    return resting


def index_of(horizon: planner.Horizon):
    """A datetime on a half-hour of the horizon → its index (the horizon's end → its length). By the
    instant: two local datetimes of one zone compare by their wall clock, blind to a clock change."""
    positions = {moment.timestamp(): index for index, moment in enumerate(horizon.moments)}
    positions[horizon.moments[-1].timestamp() + HALF_HOUR.total_seconds()] = len(horizon.moments)
    return lambda moment: positions.get(moment.timestamp())


def kept_by_staff_or_offered() -> Q:
    """Shifts planning again keeps: confirmed by staff, or offered to colleagues (an offer in play is
    never swept away with its shift)."""
    return Q(status=ShiftStatus.CONFIRMED) | Q(status=ShiftStatus.PLANNED, offers__status__in=LIVE_OFFERS)


def kept_shifts(horizon: planner.Horizon, first_day: date, team: list[planner.Person]) -> list[planner.Shift]:
    """The week's confirmed or offered shifts: the planner plans around them."""
    index = index_of(horizon)
    known = {person.id for person in team}
    kept = []
    for shift in Shift.objects.filter(kept_by_staff_or_offered(), **week_filter(first_day)).distinct():
        start, end = index(shift.start), index(shift.end)
        if start is not None and end is not None and shift.user_id in known:
            kept.append(planner.Shift(shift.user_id, start, end))
    return kept


def midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time()))


def week_filter(first_day: date) -> dict:
    return {"start__gte": midnight(first_day), "start__lt": midnight(first_day + timedelta(days=7))}


def plan_week(first_day: date, seconds: float | None = None) -> Result:
    """Plan the week from FIRST_DAY (a Monday): the planned shifts of that week are replaced, the
    confirmed ones kept; nothing is changed when no plan could be made."""
    horizon = horizon_of(needs(first_day, 7))
    team = people(horizon)
    kept = kept_shifts(horizon, first_day, team)
    result = planner.plan(
        horizon, team, rules(), seconds or settings.ECOUTE_ROTA_SOLVER_SECONDS, fixed=tuple(kept)
    )
    if result.status == "INFEASIBLE":
        return Result(result, horizon, 0)
    by_id = {person.id: person for person in team}
    Shift.objects.filter(status=ShiftStatus.PLANNED, **week_filter(first_day)).exclude(
        offers__status__in=LIVE_OFFERS
    ).delete()
    new = [
        Shift(
            user_id=shift.person,
            start=horizon.moments[shift.start],
            end=horizon.moments[shift.end - 1].astimezone(UTC) + HALF_HOUR,
            supervising=by_id[shift.person].supervising,
        )
        for shift in result.shifts
        if shift not in kept
    ]
    Shift.objects.bulk_create(new)
    return Result(result, horizon, len(new))


def upcoming_shifts(user, count: int = 20):
    return Shift.objects.filter(user=user, end__gte=timezone.now()).exclude(status=ShiftStatus.CANCELLED)[
        :count
    ]
