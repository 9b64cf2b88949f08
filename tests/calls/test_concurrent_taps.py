"""Many callers tapping the same psychologist at the same instant: one call rings, the others hear "busy".

Real threads, each with its own database connection, released together by a barrier. Runs on the
configured database (PostgreSQL in CI); `make test` runs this module once more on SQLite.
"""

import uuid

import pytest
from django.db import connection

from ecoute.calls import actions, router
from ecoute.calls.actions import CallError, PsychologistBusy
from ecoute.calls.models import Call, CallState, Ring, RingOutcome
from ecoute.presence.models import Presence, Status
from tests.support.backends import need_postgres
from tests.support.cast import make_psychologist
from tests.support.threads import run_together

pytestmark = pytest.mark.django_db(transaction=True)

TAPS = 24


def tap(psychologist_id: int):
    return lambda: actions.ring_psychologist(uuid.uuid4(), psychologist_id, uuid.uuid4().hex * 2)


def assert_exactly_one_call_rings(psychologist, results) -> None:
    calls = [r for r in results if isinstance(r, Call)]
    busy = [r for r in results if isinstance(r, PsychologistBusy)]
    others = [r for r in results if not isinstance(r, (Call, PsychologistBusy))]
    assert others == [], f"unexpected outcomes: {others!r}"
    assert len(calls) == 1 and len(busy) == TAPS - 1
    assert Call.objects.count() == 1 and Call.objects.get().state == CallState.RINGING
    assert Ring.objects.filter(psychologist=psychologist, outcome=RingOutcome.RINGING).count() == 1
    assert Presence.objects.get(pk=psychologist.pk).status == Status.RINGING


def test_simultaneous_taps_ring_the_psychologist_once():
    claire = make_psychologist(status=Status.AVAILABLE)
    assert_exactly_one_call_rings(claire, run_together([tap(claire.pk) for _ in range(TAPS)]))


@pytest.mark.postgres
def test_simultaneous_taps_ring_the_psychologist_once_on_postgresql():
    need_postgres()
    assert connection.vendor == "postgresql"
    claire = make_psychologist(status=Status.AVAILABLE)
    assert_exactly_one_call_rings(claire, run_together([tap(claire.pk) for _ in range(TAPS)]))


def test_accept_racing_the_caller_hanging_up_leaves_a_consistent_call():
    """Whichever wins, the call, its ring and the psychologist's presence agree."""
    for _ in range(6):
        claire = make_psychologist(status=Status.AVAILABLE)
        call = actions.ring_psychologist(uuid.uuid4(), claire.pk)
        results = run_together(
            [lambda: actions.accept(call.pk, claire.pk), lambda: actions.caller_leaves(call.pk)]
        )
        assert all(not isinstance(r, Exception) or isinstance(r, CallError) for r in results), results
        call.refresh_from_db()
        ring = Ring.objects.get(call=call)
        presence = Presence.objects.get(pk=claire.pk).status
        if call.state == CallState.ABANDONED:
            assert (ring.outcome, presence) == (RingOutcome.CANCELLED, Status.AVAILABLE)
        else:  # accepted first, then the caller's hang-up ended it
            assert call.state == CallState.ENDED and call.answered_at
            assert (ring.outcome, presence) == (RingOutcome.ACCEPTED, Status.WRAP_UP)


def routers_and_taps_racing_ring_each_listener_once() -> None:
    """Routers in several connections place the queue while callers tap the same listeners directly."""
    team = [make_psychologist(status=Status.AVAILABLE) for _ in range(12)]
    waiting = [actions.enqueue(uuid.uuid4()).pk for _ in range(20)]
    taps = [tap(listener.pk) for listener in team[::2]]
    results = run_together([router.route_waiting for _ in range(4)] + taps)
    assert all(not isinstance(r, Exception) or isinstance(r, PsychologistBusy) for r in results), results
    open_rings = list(
        Ring.objects.filter(outcome=RingOutcome.RINGING).values_list("call_id", "psychologist_id")
    )
    assert (
        len({listener for _, listener in open_rings}) == len(open_rings) == len(team)
    )  # each rings once, none idle
    assert len({call for call, _ in open_rings}) == len(open_rings)
    ringing_calls = Call.objects.filter(state=CallState.RINGING)
    assert sorted(ringing_calls.values_list("pk", "psychologist_id")) == sorted(open_rings)
    assert Presence.objects.filter(pk__in=[t.pk for t in team], status=Status.RINGING).count() == len(team)
    placed = ringing_calls.filter(pk__in=waiting).order_by("queued_at")
    assert list(placed.values_list("pk", flat=True)) == waiting[: placed.count()]  # the queue in its order


def test_routers_and_taps_racing_ring_each_listener_once():
    routers_and_taps_racing_ring_each_listener_once()


@pytest.mark.postgres
def test_routers_and_taps_racing_ring_each_listener_once_on_postgresql():
    need_postgres()
    assert connection.vendor == "postgresql"
    routers_and_taps_racing_ring_each_listener_once()
