"""Who works which shift: the rota as a CP-SAT model (OR-Tools).

Shifts are the horizon's half-hours grouped into SHIFT_HOURS-long runs starting on the hour; the decision is
which person takes which candidate shift. A candidate exists only inside the person's availability,
so availability holds by construction. Hard rules: at most the person's hours per week, ECOUTE_ROTA_REST_HOURS
between the end of one shift and the start of the next (two shifts never overlap), at most
ECOUTE_ROTA_NIGHTS_IN_A_ROW night shifts on consecutive nights, no shift starting in a person's recovery
after high-intensity shifts in a row (ecoute/rota/intensity.py). Coverage (listeners, supervisors, an
English speaker where required) is soft: each missing person-half-hour costs far more than any hours
saved, so the solver fills all it can and the rest is reported as gaps, never hidden by a failed solve.
Among plans with the same gaps: the fewest hours, then the lightest heaviest load (fairness).

This module is pure (no database): ecoute/rota/planning.py feeds it and stores its shifts.
"""

import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from ortools.sat.python import cp_model

SHIFT_HOURS = (4, 6, 8)
NIGHT_HOURS = range(0, 6)  # a shift touching 00:00–06:00 is a night shift (of that night's date)
# Costs, in the objective's units: a gap dwarfs every hour, an hour dwarfs the fairness tiebreak.
ENGLISH_GAP_COST = 200_000
GAP_COST = 100_000
HALF_HOUR_COST = 100


@dataclass(frozen=True)
class Rules:
    rest_hours: int = 11
    nights_in_a_row: int = 3
    shift_hours: tuple[int, ...] = SHIFT_HOURS


@dataclass(frozen=True)
class Person:
    id: int
    max_hours_per_week: int
    available: frozenset[int]  # indexes of the horizon's half-hours they can work
    english: bool = False
    supervising: bool = False  # counts towards the supervisors' minimum, not the listeners'
    # Half-hours [from, until) in which no shift of theirs may start: the recovery after their last
    # high-intensity shifts in a row (ecoute/rota/intensity.py).
    recovery: tuple[int, int] | None = None


@dataclass(frozen=True)
class Shift:
    person: int
    start: int  # index of its first half-hour
    end: int  # index after its last half-hour

    @property
    def half_hours(self) -> int:
        return self.end - self.start


@dataclass(frozen=True)
class Gap:
    index: int
    listeners: int  # listeners missing in that half-hour
    supervisors: int
    english: bool  # no English speaker where one was required


@dataclass
class Plan:
    shifts: list[Shift]
    gaps: list[Gap]
    status: str  # OPTIMAL, FEASIBLE (time ran out with a plan), or why there is none
    seconds: float
    stats: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Horizon:
    """The half-hours planned: their local start times, and what each needs."""

    moments: list[datetime]  # local, aware, one per half-hour
    listeners: list[int]
    supervisors: list[int]
    english: list[bool]

    def week_of(self, index: int) -> tuple[int, int]:
        return self.moments[index].isocalendar()[:2]

    def night_of(self, shift: Shift) -> date | None:
        """The date of the night (00:00–06:00) the shift touches, or None for a day shift."""
        for index in range(shift.start, shift.end):
            if self.moments[index].hour in NIGHT_HOURS:
                return self.moments[index].date()
        return None


def candidates(person: Person, horizon: Horizon, rules: Rules) -> list[Shift]:
    """Every shift the person could take: starting on the hour, wholly inside their availability."""
    shifts = []
    count = len(horizon.moments)
    for start, moment in enumerate(horizon.moments):
        if moment.minute or start not in person.available:
            continue
        for hours in rules.shift_hours:
            end = start + hours * 2
            if end <= count and all(index in person.available for index in range(start, end)):
                shifts.append(Shift(person.id, start, end))
    return shifts


def plan(
    horizon: Horizon,
    people: list[Person],
    rules: Rules,
    seconds: float,
    fixed: tuple[Shift, ...] = (),
    work: float | None = None,
    gap_limit: float | None = None,
) -> Plan:
    """The best rota found within SECONDS; FIXED shifts (edited by staff) are kept as they are.

    WORK bounds the search by CP-SAT's deterministic time instead (work done, not time passed): on a
    busy machine the search takes longer rather than stopping worse (the tests' way; SECONDS then
    only stops a search gone wrong). GAP_LIMIT stops it as soon as a rota is within that share of the
    best bound (0.01: 1 %)."""
    began = time.monotonic()
    model = cp_model.CpModel()
    by_person = {person.id: person for person in people}
    choices: dict[Shift, cp_model.IntVar] = {}
    for person in people:
        for shift in candidates(person, horizon, rules):
            choices[shift] = model.NewBoolVar("")
    for shift in fixed:
        choices[shift] = model.NewConstant(1) if shift not in choices else choices[shift]
        model.Add(choices[shift] == 1)
    shifts_of = defaultdict(list)
    for shift in choices:
        shifts_of[shift.person].append(shift)
    for person_id, shifts in shifts_of.items():
        add_rest(model, choices, shifts, horizon, rules)
        add_weekly_hours(model, choices, shifts, horizon, by_person[person_id].max_hours_per_week)
        add_nights(model, choices, shifts, horizon, rules)
        add_recovery(model, choices, shifts, by_person[person_id], fixed)
    gaps = add_coverage(model, choices, horizon, by_person)
    add_objective(model, choices, shifts_of, gaps)
    # Nobody on duty but the kept shifts always keeps the hard rules: a start the search improves on,
    # so even a very short time limit returns a plan (with its gaps) rather than none.
    for shift, var in choices.items():
        model.AddHint(var, shift in fixed)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = seconds
    solver.parameters.num_workers = 2
    if work is not None:
        solver.parameters.max_deterministic_time = work
    if gap_limit is not None:
        solver.parameters.relative_gap_limit = gap_limit
    status = solver.Solve(model)
    name = solver.StatusName(status)
    stats = {"candidates": len(choices), "people": len(people), "half_hours": len(horizon.moments)}
    if status == cp_model.INFEASIBLE:  # only kept shifts breaking the rules can make it so
        return Plan([], [], name, time.monotonic() - began, stats)
    if status != cp_model.OPTIMAL and status != cp_model.FEASIBLE:  # no time left to find better
        kept = sorted(fixed, key=lambda s: (s.start, s.person))
        return Plan(kept, gaps_left(horizon, people, kept), name, time.monotonic() - began, stats)
    chosen = [s for s, var in choices.items() if solver.Value(var)]
    chosen = sorted(without_idle_shifts(horizon, by_person, chosen, fixed), key=lambda s: (s.start, s.person))
    stats["objective"] = solver.ObjectiveValue()
    stats["bound"] = solver.BestObjectiveBound()  # no plan can do better: how far from the best this one is
    return Plan(chosen, gaps_left(horizon, people, chosen), name, time.monotonic() - began, stats)


def add_rest(model, choices, shifts: list[Shift], horizon: Horizon, rules: Rules) -> None:
    """No two shifts of one person closer than the rest: each shift's start, with the rest that follows
    it, is a window; two windows overlap exactly when one contains the other's start."""
    rest = rules.rest_hours * 2  # in half-hours, which are real ones (the horizon steps in UTC)
    longest = max(shift.half_hours for shift in shifts)
    by_start = defaultdict(list)
    for shift in shifts:
        by_start[shift.start].append(shift)
    for point in sorted(by_start):
        holding = [
            choices[s]
            for start in range(max(0, point - longest - rest + 1), point + 1)
            for s in by_start.get(start, ())
            if point < s.end + rest
        ]
        if len(holding) > 1:
            model.AddAtMostOne(holding)


def add_weekly_hours(model, choices, shifts: list[Shift], horizon: Horizon, max_hours: int) -> None:
    """A shift counts in the week it starts (the ISO week of the line's time zone)."""
    weeks = defaultdict(list)
    for shift in shifts:
        weeks[horizon.week_of(shift.start)].append(shift)
    for week_shifts in weeks.values():
        model.Add(sum(choices[s] * s.half_hours for s in week_shifts) <= max_hours * 2)


def add_nights(model, choices, shifts: list[Shift], horizon: Horizon, rules: Rules) -> None:
    nights = defaultdict(list)
    for shift in shifts:
        night = horizon.night_of(shift)
        if night:
            nights[night].append(choices[shift])
    if not nights:
        return
    first, last = min(nights), max(nights)
    dates = [first.fromordinal(day) for day in range(first.toordinal(), last.toordinal() + 1)]
    run = rules.nights_in_a_row + 1
    for offset in range(len(dates) - run + 1):
        window = [var for day in dates[offset : offset + run] for var in nights.get(day, [])]
        if len(window) > rules.nights_in_a_row:
            model.Add(sum(window) <= rules.nights_in_a_row)


def add_recovery(model, choices, shifts: list[Shift], person: Person, fixed: tuple[Shift, ...]) -> None:
    """After high-intensity shifts in a row, no shift starts before the recovery is over: none in it (a
    kept shift there makes the plan refused, not a silent breach), and no new one earlier in the
    horizon either (it would overlap the shifts that made the recovery due; kept ones, FIXED, stay)."""
    if person.recovery is None:
        return
    first, until = person.recovery
    barred = [choices[s] for s in shifts if first <= s.start < until or (s.start < first and s not in fixed)]
    if barred:
        model.Add(sum(barred) == 0)


def add_coverage(model, choices, horizon: Horizon, by_person: dict) -> dict:
    """Per half-hour: on duty + missing ≥ needed, for listeners, supervisors and English; the missing are the gaps."""
    covering = defaultdict(list)
    for shift, var in choices.items():
        for index in range(shift.start, shift.end):
            covering[index].append((by_person[shift.person], var))
    gaps = {}
    for index in range(len(horizon.moments)):
        here = covering[index]
        for kind, needed, who in (
            ("listeners", horizon.listeners[index], lambda p: not p.supervising),
            ("supervisors", horizon.supervisors[index], lambda p: p.supervising),
            ("english", int(horizon.english[index]), lambda p: p.english and not p.supervising),
        ):
            if not needed:
                continue
            missing = model.NewIntVar(0, needed, "")
            model.Add(sum(var for person, var in here if who(person)) + missing >= needed)
            gaps[index, kind] = missing
    return gaps


def add_objective(model, choices, shifts_of, gaps: dict) -> None:
    heaviest = model.NewIntVar(0, 24 * 2 * 7 * 8, "")
    for shifts in shifts_of.values():
        model.Add(sum(choices[s] * s.half_hours for s in shifts) <= heaviest)
    model.Minimize(
        sum(var * (ENGLISH_GAP_COST if kind == "english" else GAP_COST) for (_, kind), var in gaps.items())
        + sum(var * shift.half_hours * HALF_HOUR_COST for shift, var in choices.items())
        + heaviest
    )


def without_idle_shifts(horizon: Horizon, by_person: dict, shifts: list[Shift], fixed) -> list[Shift]:
    """Drop the shifts no half-hour needs (a search stopped by its time limit can leave some); the
    longest go first. Fewer shifts never break a hard rule, and the coverage stays what it was."""
    counts = defaultdict(lambda: [0, 0, 0])  # listeners, supervisors, English listeners on duty
    for shift in shifts:
        for index in range(shift.start, shift.end):
            _count(counts[index], by_person[shift.person], +1)
    kept = []
    for shift in sorted(shifts, key=lambda s: -s.half_hours):
        person = by_person[shift.person]
        if shift not in fixed and all(
            _spare(counts[i], person, horizon, i) for i in range(shift.start, shift.end)
        ):
            for index in range(shift.start, shift.end):
                _count(counts[index], person, -1)
        else:
            kept.append(shift)
    return kept


def _count(on_duty: list[int], person: Person, step: int) -> None:
    if person.supervising:
        on_duty[1] += step
    else:
        on_duty[0] += step
        on_duty[2] += step if person.english else 0


def _spare(on_duty: list[int], person: Person, horizon: Horizon, index: int) -> bool:
    """PERSON could leave half-hour INDEX without opening or widening a gap."""
    if person.supervising:
        return on_duty[1] > horizon.supervisors[index]
    english_spare = not (person.english and horizon.english[index]) or on_duty[2] > 1
    return on_duty[0] > horizon.listeners[index] and english_spare


def gaps_left(horizon: Horizon, people: list[Person], shifts: list[Shift]) -> list[Gap]:
    """What the shifts leave uncovered, counted from the shifts themselves (a search stopped by its
    time limit may leave its gap variables above the true shortfall)."""
    by_id = {person.id: person for person in people}
    on_duty = defaultdict(list)
    for shift in shifts:
        for index in range(shift.start, shift.end):
            on_duty[index].append(by_id[shift.person])
    gaps = []
    for index in range(len(horizon.moments)):
        listeners = [p for p in on_duty[index] if not p.supervising]
        supervisors = sum(p.supervising for p in on_duty[index])
        gap = Gap(
            index,
            max(horizon.listeners[index] - len(listeners), 0),
            max(horizon.supervisors[index] - supervisors, 0),
            horizon.english[index] and not any(p.english for p in listeners),
        )
        if gap.listeners or gap.supervisors or gap.english:
            gaps.append(gap)
    return gaps
