"""A made-up history of the line with a known weekly shape, to check what the rota reads back from it."""

import random
import uuid
from datetime import datetime, timedelta

from django.utils import timezone

from ecoute.calls.models import Call, CallState

HALF_HOUR = timedelta(minutes=30)


def expected_rate(moment: datetime) -> float:
    """Calls per half-hour: a quiet night, a busy evening, weekends a third busier."""
    local = timezone.localtime(moment)
    hour = local.hour + local.minute / 60
    daily = 0.5 if hour < 7 else 2.0 if hour < 18 else 4.0 if hour < 23 else 1.0
    return daily * (4 / 3 if local.weekday() >= 5 else 1)


def make_history(
    now: datetime,
    weeks: int = 12,
    growth_per_week: float = 1.0,
    seed: int = 14,
    talk_minutes: float = 15,
    patience_seconds: float = 120,
    wait_seconds: float = 10,
    wrap_up_seconds: int | None = None,
) -> list[Call]:
    """WEEKS of calls before NOW, Poisson per half-hour around expected_rate × growth^week.

    Each call waits WAIT_SECONDS if answered; callers give up after an exponential patience of mean
    PATIENCE_SECONDS, those who would have waited longer than WAIT_SECONDS give up. Answered calls
    are followed by a wrap-up of WRAP_UP_SECONDS (None: not measured, as before wrap-ups were noted).
    """
    chance = random.Random(seed)
    calls = []
    moment = now - timedelta(weeks=weeks)
    moment = moment.replace(minute=(moment.minute // 30) * 30, second=0, microsecond=0)
    while moment < now - HALF_HOUR:
        week = (moment - (now - timedelta(weeks=weeks))) / timedelta(weeks=1)
        for _ in range(poisson(chance, expected_rate(moment) * growth_per_week**week)):
            calls.append(
                a_call(
                    chance,
                    moment + timedelta(seconds=chance.uniform(0, 1799)),
                    talk_minutes,
                    patience_seconds,
                    wait_seconds,
                    wrap_up_seconds,
                )
            )
        moment += HALF_HOUR
    return Call.objects.bulk_create(calls)


def a_call(chance, requested, talk_minutes, patience_seconds, wait_seconds, wrap_up_seconds=None) -> Call:
    patience = chance.expovariate(1 / patience_seconds)
    if patience < wait_seconds:
        return Call(
            id=uuid.uuid4(),
            state=CallState.ABANDONED,
            requested_at=requested,
            ended_at=requested + timedelta(seconds=patience),
        )
    answered = requested + timedelta(seconds=wait_seconds)
    return Call(
        id=uuid.uuid4(),
        state=CallState.ENDED,
        requested_at=requested,
        answered_at=answered,
        ended_at=answered + timedelta(minutes=talk_minutes),
        wrap_up_seconds=wrap_up_seconds,
    )


def poisson(chance: random.Random, mean: float) -> int:
    """Knuth's method (small means only)."""
    limit, count, product = pow(2.718281828459045, -mean), 0, chance.random()
    while product > limit:
        count += 1
        product *= chance.random()
    return count
