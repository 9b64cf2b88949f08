"""The proof: the simulator replays forecast half-hours on a rota's listeners and agrees with the promise."""

from dataclasses import replace

import pytest

from ecoute.calls.models import Call
from ecoute.rota.planner import Person, Shift
from ecoute.rota.proof import listeners_on_duty, promise, replay
from ecoute.rota.requirement import Target, needs_for
from ecoute.rota.sample_month import LINE, forecast_week, month

pytestmark = pytest.mark.django_db


def test_the_rotas_listeners_are_counted_half_hour_by_half_hour_without_the_supervisors():
    horizon = month(days=1)
    people = [
        Person(1, 20, frozenset()),
        Person(2, 20, frozenset()),
        Person(3, 20, frozenset(), supervising=True),
    ]
    shifts = [Shift(1, 0, 8), Shift(2, 4, 12), Shift(3, 0, 16)]
    on_duty = listeners_on_duty(horizon, people, shifts)
    assert on_duty[:13] == [1, 1, 1, 1, 2, 2, 2, 2, 1, 1, 1, 1, 0] and sum(on_duty) == 16


def test_a_day_replayed_on_the_listeners_it_needs_keeps_the_promise_and_leaves_nothing_behind():
    day = forecast_week()[:48]
    on_duty = [need.listeners for need in needs_for(day, LINE, Target(0.9, 20, 0.01))]
    calls = [slot.calls for slot in day]
    promised = promise(calls, on_duty, LINE, 20)
    assert promised["service_level"] >= 90  # the requirement meets the target in every half-hour
    simulated = replay(calls, on_duty, LINE, seed=14)
    assert simulated["offered"] == pytest.approx(sum(calls), rel=0.15)  # drawn around the forecast
    assert simulated["offered_within"] == pytest.approx(promised["service_level"], abs=3)
    assert not Call.objects.exists()  # the simulator's own database, dropped with it
    short = [max(n - 2, 0) for n in on_duty]  # the same day two listeners short: both say it is worse
    assert promise(calls, short, LINE, 20)["service_level"] < promised["service_level"] - 5


def test_a_handle_time_that_leaves_no_time_to_talk_or_a_week_without_calls_is_refused():
    with pytest.raises(ValueError, match="no time to talk"):
        replay([1.0], [1], replace(LINE, handle_seconds=30), seed=1)
    with pytest.raises(ValueError, match="no call expected"):
        promise([0.0, 0.0], [2, 2], LINE, 20)
