"""The simulator drives the real router in simulated time; the queueing models it is compared with."""

import functools
import math
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from ecoute.accounts.models import User
from ecoute.calls import actions
from ecoute.calls.models import Call, CallState, Ring
from ecoute.calls.simulator import erlang
from ecoute.calls.simulator.simulation import SCENARIOS, Scenario, Simulation, simulate
from ecoute.lib import clock
from ecoute.presence.models import Presence, Status
from tests.support.cast import make_psychologist

pytestmark = pytest.mark.django_db


def test_erlang_c_matches_the_textbook_figures():
    # 10 erlangs: 11 agents wait 68.2 %, 12 agents 44.9 % (the classic table).
    assert erlang.erlang_c(10, 11) == pytest.approx(0.6821, abs=1e-4)
    assert erlang.erlang_c(10, 12) == pytest.approx(0.4494, abs=1e-4)
    assert erlang.erlang_c(10, 10) == 1.0  # cannot keep up


def test_erlang_b_matches_the_published_table():
    # The published Erlang B table (teletraffic handbooks' 1 % column): at 1 % loss, 10 lines carry
    # 4.461 E and 30 lines 20.337 E; and 5 erlangs on 10 lines lose 1.838 % of calls.
    assert erlang.erlang_b(5, 10) == pytest.approx(0.01838, abs=1e-5)
    assert erlang.erlang_b(4.461, 10) == pytest.approx(0.01, abs=1e-5)
    assert erlang.erlang_b(20.337, 30) == pytest.approx(0.01, abs=1e-5)
    assert erlang.erlang_b(5, 0) == 1.0  # no line: every call refused


def test_the_trunk_is_the_fewest_lines_under_the_blocking_asked():
    assert erlang.channels_for(20.337, 0.01) == 30
    assert erlang.channels_for(20.4, 0.01) == 31  # a little more traffic needs one more line
    assert erlang.traffic_erlangs(48, 25 * 60) == pytest.approx(20.0)
    assert erlang.channels_for(0, 0.01) == 0
    with pytest.raises(ValueError):
        erlang.channels_for(5, 0)


def test_erlang_a_becomes_erlang_c_when_nobody_gives_up_and_loses_callers_when_they_do():
    rate, handle = 100 / 1800, 180
    c = erlang.erlang_c_prediction(rate, handle, 12)
    patient = erlang.erlang_a_prediction(rate, handle, 12, patience=1e7)
    assert patient.waiting == pytest.approx(c.waiting, abs=1e-3)
    assert patient.service_level == pytest.approx(c.service_level, abs=2e-3)
    impatient = erlang.erlang_a_prediction(rate, handle, 12, patience=60)
    assert impatient.answer_rate < 0.95 and impatient.waiting < c.waiting


def answered_within_one_arrival_at_a_time(p, agents, mu, theta, target):
    """The service level's chain run forwards, once per arrival state: the definition, slow on a
    busy line (a third of a second for 100 listeners), kept here to check the backward pass."""
    answered_in_time, step = sum(p[:agents]), 0.1
    for k, pk in enumerate(p):
        if k < agents or pk < 1e-12:
            continue
        state, answered = {k - agents: 1.0}, 0.0
        for _ in range(int(target / step)):
            moved = {}
            for j, mass in state.items():
                served, left_ahead = agents * mu * step, j * theta * step
                if j == 0:
                    answered += mass * served
                else:
                    moved[j - 1] = moved.get(j - 1, 0) + mass * (served + left_ahead)
                moved[j] = moved.get(j, 0) + mass * (1 - served - left_ahead - theta * step)
            state = moved
        answered_in_time += pk * answered
    return answered_in_time


@pytest.mark.parametrize(
    "calls, handle, agents, patience, target",
    [(100, 180, 12, 60, 20), (1000, 700, 100, 120, 20), (5, 900, 1, 30, 60), (300, 600, 120, 300, 10)],
)
def test_erlang_as_service_level_is_the_chains_for_every_arrival_state(
    calls, handle, agents, patience, target
):
    rate = calls / 1800
    prediction = erlang.erlang_a_prediction(rate, handle, agents, patience, target)
    p = erlang.arrival_states(rate, handle, agents, patience)
    definition = answered_within_one_arrival_at_a_time(p, agents, 1 / handle, 1 / patience, target)
    assert prediction.service_level == pytest.approx(definition, abs=1e-12)


def test_the_staffing_erlang_recommends_reaches_the_target():
    rate, handle = 8 / 3600, 964
    agents = erlang.staffing_for(rate, handle, 0.95)
    assert erlang.erlang_c_prediction(rate, handle, agents).service_level >= 0.95
    assert erlang.erlang_c_prediction(rate, handle, agents - 1).service_level < 0.95


def test_a_simulated_day_uses_the_real_actions_and_leaves_the_database_untouched():
    figures = simulate("typical-day", days=2, seed=3)
    assert figures["offered"] > 20 and figures["offered"] == figures["answered"] + figures["abandoned"]
    assert 0 < figures["answer_rate"] <= 100 and figures["p95_speed"] >= figures["average_speed"] > 0
    assert set(figures["model"]) >= {"erlang_c", "erlang_a", "staffing"}
    assert not Call.objects.exists() and not Presence.objects.exists()  # rolled back


def test_the_simulated_answer_rate_follows_erlang_a_for_a_crisis_peak():
    figures = simulate("crisis-peak", days=2, seed=7)
    assert abs(figures["answer_rate"] - figures["model"]["erlang_a"]["answer_rate"]) < 3
    assert all(math.isfinite(v) for v in figures["occupancy"].values() if v is not None)


def test_nobody_on_duty_means_every_caller_gives_up():
    quiet = Scenario("empty", 24, [1] * 24, talk_seconds=600, patience_seconds=60, staffing=[0] * 24)
    report = Simulation(quiet, days=1, seed=1).run().figures()
    assert report["answered"] == 0 and report["abandoned"] == report["offered"] > 0


def test_every_scenario_of_the_issue_is_shipped():
    assert {"typical-day", "crisis-peak", "night"} <= set(SCENARIOS)


@functools.cache
def typical_day_seed_5() -> dict:
    """One simulated typical day, the same for every test that reads it (a day is seconds of CPU)."""
    return simulate("typical-day", days=1, seed=5)


def _line_as_it_stands() -> dict:
    return {
        model.__name__: sorted(map(repr, model.objects.values_list()))
        for model in (Call, Ring, Presence, User)
    }


def test_the_simulator_neither_reads_nor_changes_the_real_calls():
    """A populated line (long-waited calls, a caller waiting, a listener on duty) changes neither the figures nor itself."""
    on_empty = typical_day_seed_5()
    base = timezone.now() - timedelta(hours=1)
    claire = make_psychologist("Claire", Status.AVAILABLE)
    with clock.using(lambda: base):
        for _ in range(14):
            call = actions.enqueue(uuid.uuid4())
            Call.objects.filter(pk=call.pk).update(
                state=CallState.ENDED,
                psychologist=claire,
                ringing_at=base,
                answered_at=base + timedelta(seconds=60),
                ended_at=base + timedelta(minutes=20),
            )
        actions.enqueue(uuid.uuid4())  # a caller waiting right now
    before = _line_as_it_stands()
    on_populated = simulate("typical-day", days=1, seed=5)
    assert on_populated == on_empty
    assert _line_as_it_stands() == before


def test_phone_callers_hear_the_menu_then_wait_in_the_same_queue_and_are_counted_apart():
    figures = simulate("numero-vert", days=2, seed=11)
    app, phone = figures["by_channel"]["app"], figures["by_channel"]["phone"]
    assert phone["offered"] > app["offered"] > 0  # 60 % dial the free number
    for name in ("offered", "answered", "abandoned"):
        assert app[name] + phone[name] == figures[name]
    assert phone["answer_rate"] is not None and phone["p95_speed"] >= 0


def test_without_phone_callers_a_scenario_draws_the_same_calls_as_before():
    day = SCENARIOS["typical-day"]
    figures = typical_day_seed_5()
    assert figures["by_channel"]["phone"]["offered"] == 0
    assert figures["by_channel"]["app"]["offered"] == figures["offered"]
    with_phone = Scenario(**{**day.__dict__, "phone_share": 0.5})
    mixed = Simulation(with_phone, days=1, seed=5).run().figures()
    assert mixed["offered"] == figures["offered"]  # the same arrivals, some of them by phone
