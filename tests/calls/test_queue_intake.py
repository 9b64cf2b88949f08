"""Requests to join the queue taken in batches (ecoute/calls/queue_intake.py): none lost, none answered
twice, no listener rung twice, whatever the batches and however many server processes store theirs at once.

Processes are stood in for by threads, each with its own database connection, released together; on
PostgreSQL their batches really overlap (row locks, SKIP LOCKED, the conditional moves of offer()).
"""

import asyncio
import uuid
from collections import Counter

import pytest

from ecoute.abuse import gate
from ecoute.calls import queue_intake, router
from ecoute.calls.actions import IllegalTransition, Join, enqueue
from ecoute.calls.models import Call, CallState, Ring, RingOutcome
from ecoute.calls.queue_intake import QueueIntake, Request, store_and_place
from ecoute.presence.models import Presence, Status
from tests.calls.test_concurrent_taps import run_together
from tests.support.backends import need_postgres
from tests.support.cast import make_psychologist

pytestmark = pytest.mark.django_db(transaction=True)


def requests(count: int, source: str = "") -> list[Request]:
    """COUNT new callers' requests (made where an event loop runs, as a socket makes them)."""

    async def made():
        return [
            Request(
                Join(uuid.uuid4(), maybe_tapped=False), source, gate.Attempt("", (source,) if source else ())
            )
            for _ in range(count)
        ]

    return asyncio.run(made())


def assert_each_listener_rings_once_and_nothing_is_lost(team, asked: list[uuid.UUID]) -> None:
    rings = list(Ring.objects.filter(outcome=RingOutcome.RINGING).values_list("call_id", "psychologist_id"))
    per_listener = Counter(listener for _, listener in rings)
    assert set(per_listener) == {listener.pk for listener in team}, "a free listener left idle"
    assert max(per_listener.values()) == 1, f"a listener rung twice: {per_listener}"
    assert len({call for call, _ in rings}) == len(rings), "a call ringing two listeners"
    assert Ring.objects.count() == len(rings), "a ring made and undone"
    stored = dict(Call.objects.values_list("pk", "state"))
    assert set(stored) == set(asked), "a request lost, or a call made twice"
    assert Counter(stored.values()) == {
        CallState.RINGING: len(team),
        CallState.REQUESTED: len(asked) - len(team),
    }
    assert Presence.objects.filter(status=Status.RINGING).count() == len(team)


def test_a_batch_rings_the_free_listeners_once_and_tells_the_others_their_place():
    team = [make_psychologist(status=Status.AVAILABLE) for _ in range(3)]
    batch = requests(8)
    answers = store_and_place(batch)
    asked = [request.join.call_id for request in batch]
    assert_each_listener_rings_once_and_nothing_is_lost(team, asked)
    # The first three rang (no place: their call.ringing tells them); the others wait, in order.
    assert answers[:3] == [None] * 3
    assert [answer["position"] for answer in answers[3:]] == [1, 2, 3, 4, 5]
    assert all(
        answer["call_id"] == str(request.join.call_id) for answer, request in zip(answers[3:], batch[3:])
    )


def test_a_request_whose_call_id_is_taken_is_refused_alone():
    make_psychologist(status=Status.AVAILABLE)
    taken = enqueue(uuid.uuid4()).pk  # rings the only listener
    batch = requests(3)
    batch[1] = asyncio.run(_request(Join(taken, maybe_tapped=False)))
    answers = store_and_place(batch)
    assert isinstance(answers[1], IllegalTransition)
    assert [answer["position"] for answer in (answers[0], answers[2])] == [1, 2]
    assert Call.objects.count() == 3


async def _request(join: Join) -> Request:
    return Request(join, "")


def test_a_batch_with_a_refused_attempt_stores_the_others():
    """The gate refuses one of a batch (its source asks for a proof): the others are stored and placed."""
    batch = requests(2, source="a" * 32) + requests(1, source="b" * 32)
    answers = store_and_place(batch)  # the first of a source is free, the second owes a proof
    assert isinstance(answers[1], gate.Refused) and answers[1].code == "proof_required"
    assert [answer["position"] for answer in (answers[0], answers[2])] == [1, 2]
    assert set(Call.objects.values_list("pk", flat=True)) == {batch[0].join.call_id, batch[2].join.call_id}


def batches_from_several_processes_at_once() -> None:
    """Four processes store their batches at the same instant while routers run: each listener rings once."""
    team = [make_psychologist(status=Status.AVAILABLE) for _ in range(10)]
    batches = [requests(15) for _ in range(4)]
    results = run_together(
        [lambda batch=batch: store_and_place(batch) for batch in batches] + [router.route_waiting] * 2
    )
    assert not [result for result in results if isinstance(result, Exception)], results
    asked = [request.join.call_id for batch in batches for request in batch]
    assert_each_listener_rings_once_and_nothing_is_lost(team, asked)
    # Each caller is answered once, about their own call: their place, or nothing when it rings
    # already (a router of another process may have rung it before its place was read).
    answered = [
        (request.join.call_id, answer)
        for batch, result in zip(batches, results)
        for request, answer in zip(batch, result)
    ]
    assert len(answered) == len(asked)
    ringing = set(Call.objects.filter(state=CallState.RINGING).values_list("pk", flat=True))
    for call_id, answer in answered:
        assert call_id in ringing if answer is None else answer["call_id"] == str(call_id)


def test_batches_from_several_processes_at_once():
    batches_from_several_processes_at_once()


@pytest.mark.postgres
def test_batches_from_several_processes_at_once_on_postgresql():
    need_postgres()
    batches_from_several_processes_at_once()


def test_requests_arriving_together_are_stored_in_few_batches_and_each_answered_once(monkeypatch):
    """Through the intake itself: 40 joins sent at once take a few trips to the database, not 40."""
    make_psychologist(status=Status.AVAILABLE)
    trips = []
    real = queue_intake.store_and_place

    def counted(batch):
        trips.append(len(batch))
        return real(batch)

    monkeypatch.setattr(queue_intake, "store_and_place", counted)

    async def crowd():
        intake = QueueIntake()
        joins = [Join(uuid.uuid4(), maybe_tapped=False) for _ in range(40)]
        answers = await asyncio.gather(*(intake.join(join, "", gate.Attempt("", ())) for join in joins))
        return joins, answers

    joins, answers = asyncio.run(crowd())
    assert sum(trips) == 40 and len(trips) <= 3, trips
    assert answers.count(None) == 1  # the one who rings hears it from their call.ringing
    assert sorted(answer["position"] for answer in answers if answer) == list(range(1, 40))
    assert Call.objects.count() == 40
