"""The requests to join the queue that reach a server process at once, admitted, stored and placed together.

When a thousand carers open the app in the same minute, each request handled on its own cost two
trips to the process's one database thread (the abuse gate, then the call), a transaction, a
commit, a routing pass with the free listeners locked, and a place read: that thread fell seconds
behind and a caller waited 4-9 s to hear anything (docs/performance.md). Here the requests that
arrive while the database thread is busy wait together, and the next batch takes one trip: each
request passes the gate (ecoute/abuse/gate.py), those let in are stored in one transaction
(actions.enqueue_all: one INSERT, one commit, one routing pass after it), and their places are read
at once (place.queue_positions), so a caller hears their place or their ring within one batch's
time. A request is never lost nor answered twice: each has its own outcome, its place, its ring, or
why it cannot join (tests/calls/test_queue_intake.py).
"""

import asyncio
import logging
from dataclasses import replace

from channels.db import database_sync_to_async
from django.db import transaction

from ecoute.abuse import gate, limits

from . import actions, place
from .actions import CallError, Join

logger = logging.getLogger(__name__)


class Request:
    """One caller's JOIN from SOURCE (a flood found meanwhile holds it back); ATTEMPT, for a new
    call, what the abuse gate checks."""

    def __init__(self, join: Join, source: str, attempt: gate.Attempt | None = None):
        self.join, self.source, self.attempt = join, source, attempt
        self.answer: asyncio.Future = asyncio.get_running_loop().create_future()


class QueueIntake:
    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._pending: list[Request] = []
        self._worker: asyncio.Task | None = None

    async def join(self, join: Join, source: str, attempt: gate.Attempt | None = None) -> dict | None:
        """Admit and store JOIN with the requests arriving meanwhile: its caller's place (None once it
        rings); raises the gate.Refused or CallError that refused it."""
        loop = asyncio.get_running_loop()
        if loop is not self._loop:  # a new event loop (tests): whatever the old one held is gone
            self._loop, self._pending, self._worker = loop, [], None
        request = Request(join, source, attempt)
        self._pending.append(request)
        if self._worker is None or self._worker.done():
            self._worker = loop.create_task(self._store_while_requests_wait())
        return await request.answer

    async def _store_while_requests_wait(self) -> None:
        while self._pending:
            batch, self._pending = self._pending, []
            try:
                outcomes = await database_sync_to_async(store_and_place)(batch)
            except Exception as error:  # the database failed: every caller of the batch is told
                logger.exception("%d requests to join the queue could not be stored", len(batch))
                outcomes = [error] * len(batch)
            for request, outcome in zip(batch, outcomes):
                if request.answer.done():
                    continue  # the caller left while waiting: their call is handled like any other
                if isinstance(outcome, Exception):
                    request.answer.set_exception(outcome)
                else:
                    request.answer.set_result(outcome)


def store_and_place(requests: list[Request]) -> list:
    """For each request, its caller's place (None when it already rings) or what refused it."""
    outcomes: list = _admitted(requests)
    let_in = [index for index, outcome in enumerate(outcomes) if isinstance(outcome, Join)]
    if let_in:
        joins = [outcomes[index] for index in let_in]
        with transaction.atomic():
            # Runs first after commit, before the routing pass enqueue_all asks for (hooks run in
            # order): a source found flooding between its gate and its rows being stored is held
            # back before any of its calls can ring (ecoute/abuse/limits.py).
            transaction.on_commit(lambda: _hold_back_flooding(joins, requests))
            calls = actions.enqueue_all(joins)
        stored = [call.pk for call in calls if not isinstance(call, CallError)]
        places = place.queue_positions(stored) if stored else {}
        for index, call in zip(let_in, calls):
            outcomes[index] = call if isinstance(call, CallError) else places.get(call.pk)
    return outcomes


def _admitted(requests: list[Request]) -> list["Join | gate.Refused"]:
    """Each request's join once through the gate (held back or not), or its refusal."""
    outcomes: list = [request.join for request in requests]
    new = [index for index, request in enumerate(requests) if request.attempt is not None]
    verdicts = gate.admit_all([requests[index].attempt for index in new])
    for index, verdict in zip(new, verdicts):
        refused = isinstance(verdict, gate.Refused)
        outcomes[index] = verdict if refused else replace(outcomes[index], held_back=verdict)
    let_in = [index for index, verdict in zip(new, verdicts) if not isinstance(verdict, gate.Refused)]
    limits.remember_calls([(requests[index].source, requests[index].join.call_id) for index in let_in])
    return outcomes


def _hold_back_flooding(joins: list[Join], requests: list[Request]) -> None:
    source_of = {request.join.call_id: request.source for request in requests}
    limits.held_back_if_flooding(
        [(source_of[join.call_id], join.call_id) for join in joins if not join.held_back]
    )


# One per server process.
queue_intake = QueueIntake()
