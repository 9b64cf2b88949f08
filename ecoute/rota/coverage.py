"""The supervisors' week: needed, planned and online per half-hour, ready for the page."""

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.utils import timezone

from ecoute.presence import history

from .forecast import HALF_HOUR
from .models import Shift, ShiftStatus
from .planning import ENGLISH, Result, week_filter
from .requirement import needs

YEARS_SHOWN = (2000, 2100)


@dataclass(frozen=True)
class Cell:
    start: datetime
    calls: float
    needed: int
    planned: int
    supervisors_needed: int
    supervisors_planned: int
    english: bool
    english_planned: bool
    # Listeners online: now for the half-hour under way, the fewest in one of its minutes for those
    # gone by (ecoute/presence/history.py); None for those to come or not counted.
    online: int | None
    current: bool = False

    @property
    def missing(self) -> int:
        return max(self.needed - self.planned, 0)

    @property
    def short(self) -> bool:
        return bool(
            self.missing
            or self.supervisors_planned < self.supervisors_needed
            or (self.english and not self.english_planned)
            or self.online_missing
        )

    @property
    def online_missing(self) -> int:
        """Listeners needed who were not on the line (planned or not)."""
        return max(self.needed - self.online, 0) if self.online is not None else 0


def week_asked(text: str) -> date | None:
    """The Monday of the week asked (?semaine=2026-03-04), this week's without one, None if unreadable."""
    if not text:
        day = timezone.localdate()
    else:
        try:
            day = date.fromisoformat(text)
        except ValueError:
            return None
    if not YEARS_SHOWN[0] <= day.year <= YEARS_SHOWN[1]:  # the calendar's edges would overflow
        return None
    return day - timedelta(days=day.weekday())


def planned_counts(first_day: date) -> tuple[Counter, Counter, set]:
    """Listeners and supervisors on duty in each half-hour (by its instant), and the English ones'."""
    listeners, supervisors, english = Counter(), Counter(), set()
    shifts = Shift.objects.filter(**week_filter(first_day)).exclude(status=ShiftStatus.CANCELLED)
    for shift in shifts.prefetch_related("user__listener_profile__languages"):
        profile = getattr(shift.user, "listener_profile", None)
        speaks = profile is not None and any(language.code == ENGLISH for language in profile.languages.all())
        moment = shift.start
        while moment < shift.end:
            key = moment.timestamp()
            (supervisors if shift.supervising else listeners)[key] += 1
            if speaks and not shift.supervising:
                english.add(key)
            moment += HALF_HOUR
    return listeners, supervisors, english


def week_cells(first_day: date) -> list[Cell]:
    listeners, supervisors, english = planned_counts(first_day)
    now = timezone.now()
    week = needs(first_day, 7)
    online = history.online_per_half_hour(week[0].start, week[-1].start + HALF_HOUR) if week else {}
    cells = []
    for need in week:
        key = need.start.timestamp()
        current = need.start <= now < need.start + HALF_HOUR
        if current:
            online[key] = history.listeners_online()
        cells.append(
            Cell(
                start=need.start,
                calls=need.calls,
                needed=need.listeners,
                planned=listeners[key],
                supervisors_needed=need.supervisors,
                supervisors_planned=supervisors[key],
                english=need.english,
                english_planned=key in english,
                online=online.get(key),
                current=current,
            )
        )
    return cells


def grid(first_day: date, cells: list[Cell]) -> list[tuple[str, list[Cell | None]]]:
    """Rows of the page's table: a time of day, then that half-hour on each of the seven days (None
    where a clock change skips it; the hour repeated in autumn shows its second half-hour)."""
    days = [first_day + timedelta(days=offset) for offset in range(7)]
    at = {(cell.start.date(), f"{cell.start:%H:%M}"): cell for cell in cells}
    times = sorted({clock for _day, clock in at})
    return [(clock, [at.get((day, clock)) for day in days]) for clock in times]


def shifts_by_day(first_day: date) -> list[tuple[date, list[Shift]]]:
    """The week's shifts, cancelled ones included (so they can be given back), day by day."""
    days: dict[date, list[Shift]] = {}
    shifts = Shift.objects.filter(**week_filter(first_day)).select_related("user__listener_profile")
    for shift in shifts:
        days.setdefault(timezone.localtime(shift.start).date(), []).append(shift)
    return sorted(days.items())


def week_view(first_day: date, result: Result | None) -> dict:
    cells = week_cells(first_day)
    return {
        "first_day": first_day,
        "previous": first_day - timedelta(days=7),
        "next": first_day + timedelta(days=7),
        "days": [first_day + timedelta(days=offset) for offset in range(7)],
        "rows": grid(first_day, cells),
        "short": [cell for cell in cells if cell.short],
        "result": result,
        "shifts": shifts_by_day(first_day),
        "planned_hours": sum(cell.planned for cell in cells) / 2,
        "needed_hours": sum(cell.needed for cell in cells) / 2,
    }
