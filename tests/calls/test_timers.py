"""What happens as time passes: unanswered rings, silent workspaces, wrap-ups that end."""

import time
import uuid
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from ecoute.calls import actions, timers
from ecoute.calls.models import Call, CallState, EndReason, Ring, RingOutcome
from ecoute.calls.timers import run_due_timers
from ecoute.lib.cache import _outages
from ecoute.presence import actions as presence_actions
from ecoute.presence.models import Presence, Status
from tests.support.cast import make_psychologist

pytestmark = pytest.mark.django_db


def later(seconds: float):
    return timezone.now() + timedelta(seconds=seconds)


def presence(user) -> Presence:
    return Presence.objects.get(pk=user.pk)


def test_a_ring_nobody_answers_in_20_seconds_goes_back_to_the_caller():
    claire = make_psychologist(status=Status.AVAILABLE)
    call = actions.ring_psychologist(uuid.uuid4(), claire.pk)
    Presence.objects.filter(pk=claire.pk).update(last_seen=later(20))  # her window is alive
    run_due_timers(later(19))
    assert Call.objects.get(pk=call.pk).state == CallState.RINGING
    run_due_timers(later(21))
    assert Call.objects.get(pk=call.pk).state == CallState.REQUESTED
    assert Ring.objects.get(call=call).outcome == RingOutcome.MISSED
    assert presence(claire).status == Status.BREAK  # nobody taps a ghost


def test_the_ring_timeout_is_configurable(settings):
    settings.ECOUTE_RING_TIMEOUT = 30
    claire = make_psychologist(status=Status.AVAILABLE)
    call = actions.ring_psychologist(uuid.uuid4(), claire.pk)
    Presence.objects.filter(pk=claire.pk).update(last_seen=later(25))
    run_due_timers(later(25))
    assert Call.objects.get(pk=call.pk).state == CallState.RINGING


def test_a_silent_workspace_shows_the_psychologist_away_after_15_seconds():
    claire = make_psychologist(status=Status.AVAILABLE)
    run_due_timers(later(14))
    assert presence(claire).status == Status.AVAILABLE
    run_due_timers(later(16))
    assert presence(claire).status == Status.OFFLINE and presence(claire).session == ""


def test_choosing_a_status_counts_as_a_sign_of_life():
    """A window quiet for a while (its heartbeat not written yet) that chooses « Disponible » is not
    shown away by the next pass of the timers (the board benchmark's workspace was, and then closed)."""
    claire = make_psychologist(status=Status.OFFLINE)
    Presence.objects.filter(pk=claire.pk).update(last_seen=later(-300))
    presence_actions.choose_status(claire.pk, "test-session", Status.AVAILABLE)
    run_due_timers(later(1))
    assert presence(claire).status == Status.AVAILABLE and presence(claire).session == "test-session"


def test_heartbeats_keep_the_psychologist_present():
    from ecoute.presence.actions import heartbeat

    claire = make_psychologist(status=Status.AVAILABLE)
    Presence.objects.filter(pk=claire.pk).update(last_seen=later(-60))
    assert heartbeat(claire.pk, "test-session")
    run_due_timers(later(10))
    assert presence(claire).status == Status.AVAILABLE
    assert not heartbeat(claire.pk, "another-window")


def test_a_silent_psychologist_in_a_call_frees_the_caller():
    claire = make_psychologist(status=Status.AVAILABLE)
    call = actions.accept(actions.ring_psychologist(uuid.uuid4(), claire.pk).pk, claire.pk)
    run_due_timers(later(16))
    call.refresh_from_db()
    assert call.state == CallState.ENDED and call.end_reason == EndReason.PSYCHOLOGIST_LOST
    assert presence(claire).status == Status.OFFLINE


def test_a_silent_psychologist_whose_phone_rings_hands_the_call_back():
    claire = make_psychologist(status=Status.AVAILABLE)
    call = actions.ring_psychologist(uuid.uuid4(), claire.pk)
    run_due_timers(later(16))
    assert Call.objects.get(pk=call.pk).state == CallState.REQUESTED
    assert presence(claire).status == Status.OFFLINE


def test_a_wrap_up_with_nothing_to_record_ends_by_itself(settings):
    """A supervisor who only joined a call has no record to write: their wrap-up ends after ECOUTE_WRAP_UP_SECONDS."""
    settings.ECOUTE_WRAP_UP_SECONDS = 60
    claire = make_psychologist(status=Status.IN_CALL)
    presence_actions.call_finished(claire.pk)
    Presence.objects.filter(pk=claire.pk).update(last_seen=later(61))
    run_due_timers(later(59))
    assert presence(claire).status == Status.WRAP_UP
    run_due_timers(later(61))
    assert presence(claire).status == Status.AVAILABLE and presence(claire).wrap_up_until is None


def test_timers_run_twice_change_things_once():
    claire = make_psychologist(status=Status.AVAILABLE)
    actions.ring_psychologist(uuid.uuid4(), claire.pk)
    Presence.objects.filter(pk=claire.pk).update(last_seen=later(21))
    run_due_timers(later(21))
    version = presence(claire).version
    run_due_timers(later(21))
    assert presence(claire).version == version


def test_of_processes_offering_the_pass_at_once_one_runs_it_then_any_may_run_the_next(monkeypatch):
    """Four server processes made four passes a second; the first to claim one now runs it."""
    runs = []
    monkeypatch.setattr(timers, "run_due_timers", runs.append)
    cache.delete(timers.PASS_CLAIM_KEY)
    for _ in range(4):  # four processes' ticks within the same moment
        timers._run_when_due(timezone.now(), time.monotonic())
    assert len(runs) == 1
    time.sleep(timers.PASS_CLAIM_MS / 1000)  # the claim lapses before the next tick (TICK_SECONDS)
    timers._run_when_due(timezone.now(), time.monotonic())
    assert len(runs) == 2


def test_without_redis_every_process_runs_the_pass(monkeypatch):
    """An outage of the cache's Redis must not stop the timers: each process runs them, as before."""
    runs = []
    monkeypatch.setattr(timers, "run_due_timers", runs.append)
    for outage in _outages.values():
        monkeypatch.setattr(outage, "down", True)
        monkeypatch.setattr(outage, "until", time.monotonic() + 60)
    assert _outages, "the tests' cache is Redis (REDIS_URL)"
    for _ in range(3):
        timers._run_when_due(timezone.now(), time.monotonic())
    assert len(runs) == 3
