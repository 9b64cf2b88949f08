"""A realistic month for the planner: the line's needs by half-hour and a team of 100 with their weeks.

Shared by the tests (tests/rota/test_planner.py) and the benchmarks (bench/rota_planner.py, bench/rota_proof.py),
so that both speak of the same month: 88 psychologists and 12 supervisors, four to six windows a
week each, some of them nights, a fifth speaking English.
"""

import random
from datetime import date

from .forecast import half_hours
from .planner import Horizon, Person, Rules

RULES = Rules(rest_hours=11, nights_in_a_row=3)
MONDAY = date(2026, 3, 2)


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
