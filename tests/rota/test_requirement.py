"""Listeners needed per half-hour: the search finds the fewest meeting the whole promise (Erlang A itself is
tested in tests/calls against published values)."""

from datetime import datetime

import pytest
from django.utils import timezone

from ecoute.calls.simulator.erlang import erlang_a_prediction
from ecoute.rota.forecast import Measures, Slot, measures
from ecoute.rota.requirement import Target, listeners_for, needs_for
from tests.rota.history import make_history

PROMISE = Target(answered=0.90, seconds=20, max_abandoned=0.01)


def met(calls, handle, patience, agents, target=PROMISE) -> bool:
    prediction = erlang_a_prediction(calls / 1800, handle, agents, patience, target.seconds)
    return prediction.service_level >= target.answered and 1 - prediction.answer_rate <= target.max_abandoned


@pytest.mark.parametrize("calls", [0.3, 1, 2.5, 6, 12, 25])
@pytest.mark.parametrize("patience", [45, 180, 1800])
def test_the_answer_is_the_fewest_listeners_meeting_the_whole_promise(calls, patience):
    needed = listeners_for(calls, 900, patience, PROMISE)
    assert met(calls, 900, patience, needed)
    assert needed == 1 or not met(calls, 900, patience, needed - 1)


def test_impatient_callers_need_more_listeners_for_the_same_calls():
    assert listeners_for(6, 900, 30, PROMISE) > listeners_for(6, 900, 1800, PROMISE)


def test_a_stricter_abandonment_limit_can_only_ask_for_more():
    loose = Target(0.90, 20, 0.10)
    assert listeners_for(6, 900, 60, PROMISE) >= listeners_for(6, 900, 60, loose)


def test_no_call_needs_nobody_but_the_line_keeps_its_minimum_and_its_supervisors(settings):
    settings.ECOUTE_ROTA_MINIMUM, settings.ECOUTE_ROTA_SUPERVISORS_MINIMUM = 2, 1
    assert listeners_for(0, 900, 180, PROMISE) == 0
    night = timezone.make_aware(datetime(2026, 3, 3, 3, 0))
    (need,) = needs_for([Slot(night, 0.0)], Measures(900, 180, 0, 0), PROMISE)
    assert (need.listeners, need.supervisors) == (2, 1)


def test_a_busy_half_hour_asks_for_more_than_the_minimum(settings):
    settings.ECOUTE_ROTA_MINIMUM = 2
    evening = timezone.make_aware(datetime(2026, 3, 3, 21, 0))
    (need,) = needs_for([Slot(evening, 12.0)], Measures(900, 180, 0, 0), PROMISE)
    assert need.listeners == listeners_for(12.0, 900, 180, PROMISE) > 2


def test_english_is_required_in_the_windows_of_the_settings_only(settings):
    settings.ECOUTE_ROTA_ENGLISH = ["08:00-12:00", "18:30-20:00"]
    hours = {(8, 0): True, (11, 30): True, (12, 0): False, (18, 0): False, (18, 30): True, (20, 0): False}
    slots = [Slot(timezone.make_aware(datetime(2026, 3, 3, h, m)), 1.0) for h, m in hours]
    assert [need.english for need in needs_for(slots, Measures(900, 180, 0, 0), PROMISE)] == list(
        hours.values()
    )


@pytest.mark.django_db
def test_the_listeners_needed_count_the_wrap_up_after_each_call_not_the_talk_alone(settings):
    """A history of 20-minute talks each followed by a 5-minute wrap-up: a listener is busy 25
    minutes per call, and the requirement asks for the listeners 25 minutes a call needs."""
    settings.ECOUTE_ROTA_MINIMUM = 1
    now = timezone.make_aware(datetime(2026, 3, 2, 0, 0))
    make_history(now, weeks=4, talk_minutes=20, wait_seconds=10, wrap_up_seconds=300)
    line = measures(now)
    assert line.handle_seconds == pytest.approx(25 * 60)
    evening = timezone.make_aware(datetime(2026, 3, 3, 21, 0))
    (need,) = needs_for([Slot(evening, 12.0)], line, PROMISE)
    patience = round(line.patience_seconds)
    assert need.listeners == listeners_for(12.0, 25 * 60, patience, PROMISE)
    assert need.listeners > listeners_for(12.0, 20 * 60, patience, PROMISE)  # the talk alone: too few
