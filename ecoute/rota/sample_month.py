"""A realistic month for the planner: the line's needs by half-hour and a team of 100 with their weeks.

Shared by the tests (tests/rota/test_planner.py) and the benchmarks (bench/rota_planner.py, bench/rota_proof.py),
so that both speak of the same month: 88 psychologists and 12 supervisors, four to six windows a
week each, some of them nights, a fifth speaking English.
"""

import random
from datetime import date

from ecoute.calls.simulator.simulation import DAY_PROFILE

from .forecast import Measures, Slot, half_hours
from .planner import Horizon, Person, Rules

RULES = Rules(rest_hours=11, nights_in_a_row=3)
MONDAY = date(2026, 3, 2)
# The line as its records would measure it: calls of a quarter of an hour, callers' patience 3 minutes.
LINE = Measures(handle_seconds=900, patience_seconds=180, calls=0, abandoned=0)


def needs_of_a_day(moment) -> int:
    hour = moment.hour
    return 2 if hour < 7 or hour >= 23 else 4 if hour < 18 else 6


def month(days: int = 28, english=(8, 20)) -> Horizon:
    moments = half_hours(MONDAY, days)
    return Horizon(
        moments=moments,
        listeners=[needs_of_a_day(m) for m in moments],
        supervisors=[1] * len(moments),
        english=[english[0] <= m.hour < english[1] for m in moments],
    )


def weekly_windows(chance: random.Random, nights: bool) -> list[tuple[int, int, int]]:
    """A psychologist's week: four to six windows of 6 to 12 hours (weekday, first hour, hours)."""
    windows = []
    for weekday in chance.sample(range(7), chance.randint(4, 6)):
        first = chance.choice([20, 21, 22]) if nights else chance.randint(7, 14)
        windows.append((weekday, first, chance.randint(6, 12)))
    return windows


def availability(horizon: Horizon, windows) -> frozenset[int]:
    start_of_day = {}
    for index, moment in enumerate(horizon.moments):
        start_of_day.setdefault(moment.date(), index)
    free = set()
    for day, first in start_of_day.items():
        for weekday, hour, hours in windows:
            if day.weekday() == weekday:
                free.update(
                    i for i in range(first + hour * 2, first + (hour + hours) * 2) if i < len(horizon.moments)
                )
    return frozenset(free)


def team(horizon: Horizon, listeners: int = 88, supervisors: int = 12, seed: int = 10) -> list[Person]:
    chance = random.Random(seed)
    people = []
    for number in range(listeners + supervisors):
        supervising = number >= listeners
        nights = supervising and number % 3 == 0 or not supervising and number % 5 == 0
        people.append(
            Person(
                id=number + 1,
                max_hours_per_week=chance.choice([12, 16, 20, 24]),
                available=availability(horizon, weekly_windows(chance, nights)),
                english=not supervising and number % 5 == 1 or number % 7 == 2,
                supervising=supervising,
            )
        )
    return people


def forecast_week(calls_per_day: float = 150) -> list[Slot]:
    """A forecast week from MONDAY: the simulator's day (quiet nights, heavy evenings), weekends a fifth busier."""
    share = [weight / sum(DAY_PROFILE) / 2 for weight in DAY_PROFILE]  # of a day's calls, per half-hour
    return [
        Slot(moment, calls_per_day * share[moment.hour] * (1.2 if moment.weekday() >= 5 else 1))
        for moment in half_hours(MONDAY, 7)
    ]
