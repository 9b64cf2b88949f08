"""Listeners needed in each half-hour to keep the promise, by Erlang A (ecoute/calls/simulator/erlang.py).

The promise (settings): ECOUTE_ROTA_TARGET_ANSWERED of callers answered within
ECOUTE_ROTA_TARGET_SECONDS, at most ECOUTE_ROTA_MAX_ABANDONED giving up; the answer is the fewest
listeners meeting all of it, never fewer than ECOUTE_ROTA_MINIMUM (a line answered 24/7 is never
left to one person). Supervisors are counted apart (ECOUTE_ROTA_SUPERVISORS_MINIMUM): they take
escalations and are not counted as listeners.
"""

from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache

from django.conf import settings

from ecoute.calls.simulator.erlang import erlang_a_prediction, staffing_for

from .forecast import HALF_HOUR, Measures, Slot, forecast, measures

# More listeners than this for one half-hour means the figures are wrong, not the line busy.
SEARCH_CEILING = 500


@dataclass(frozen=True)
class Target:
    answered: float  # share answered within `seconds`
    seconds: float
    max_abandoned: float

    @classmethod
    def from_settings(cls) -> "Target":
        return cls(
            settings.ECOUTE_ROTA_TARGET_ANSWERED,
            settings.ECOUTE_ROTA_TARGET_SECONDS,
            settings.ECOUTE_ROTA_MAX_ABANDONED,
        )


@dataclass(frozen=True)
class Need:
    start: datetime
    calls: float
    listeners: int
    supervisors: int
    english: bool  # an English speaker must be among the listeners


def meets(rate: float, handle: float, patience: float, agents: int, target: Target) -> bool:
    prediction = erlang_a_prediction(rate, handle, agents, patience, target.seconds)
    return prediction.service_level >= target.answered and 1 - prediction.answer_rate <= target.max_abandoned


@lru_cache(maxsize=4096)
def listeners_for(calls: float, handle: float, patience: float, target: Target) -> int:
    """The fewest listeners for CALLS expected in a half-hour that meet TARGET (0 for no call).

    The service improves with every listener added, so the answer is the first n that meets the
    target. Erlang C (no caller gives up) is cheap and lands on it or just above: the search starts
    there and walks down while the target is still met, or up until it is.
    """
    if calls <= 0:
        return 0
    rate = calls / HALF_HOUR.total_seconds()
    agents = staffing_for(rate, handle, target.answered, target.seconds)
    if meets(rate, handle, patience, agents, target):
        while agents > 1 and meets(rate, handle, patience, agents - 1, target):
            agents -= 1
        return agents
    while not meets(rate, handle, patience, agents, target):
        agents += 1
        if agents > SEARCH_CEILING:
            raise ValueError(f"more than {SEARCH_CEILING} listeners for {calls:.1f} calls in a half-hour")
    return agents


def english_windows() -> list[tuple[int, int]]:
    """ECOUTE_ROTA_ENGLISH as (first minute, end minute) of the day."""
    windows = []
    for window in settings.ECOUTE_ROTA_ENGLISH:
        start, end = window.split("-")
        windows.append((_minutes(start), _minutes(end)))
    return windows


def _minutes(clock: str) -> int:
    hours, minutes = clock.strip().split(":")
    return int(hours) * 60 + int(minutes)


def needs_english(moment: datetime, windows: list[tuple[int, int]]) -> bool:
    minute = moment.hour * 60 + moment.minute
    return any(start <= minute < end for start, end in windows)


def rounded(calls: float) -> float:
    """Forecasts differing below their own precision ask the same question (the cache answers it)."""
    return round(calls, 1) if calls < 10 else float(round(calls))


def needs_for(slots: list[Slot], line: Measures, target: Target | None = None) -> list[Need]:
    target = target or Target.from_settings()
    windows = english_windows()
    handle, patience = round(line.handle_seconds), round(line.patience_seconds)
    return [
        Need(
            start=slot.start,
            calls=slot.calls,
            listeners=max(
                listeners_for(rounded(slot.calls), handle, patience, target), settings.ECOUTE_ROTA_MINIMUM
            ),
            supervisors=settings.ECOUTE_ROTA_SUPERVISORS_MINIMUM,
            english=needs_english(slot.start, windows),
        )
        for slot in slots
    ]


def needs(first_day: date, days: int, now: datetime | None = None) -> list[Need]:
    """The forecast and the measures of the line's history, turned into listeners per half-hour."""
    return needs_for(forecast(first_day, days, now), measures(now))
