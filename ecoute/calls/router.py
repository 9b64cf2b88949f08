"""The router: which waiting call rings which listener.

The rules, all here but the first:

1. Queue order (ecoute/calls/queue.py): calls held back as abuse last (ecoute/abuse), then priority
   (a caller who said they are in danger goes before everyone), then first come, first served by
   the time the call joined the queue. A call that rang somebody who did not answer keeps its
   place: it is never lost between two rings.
2. A call rings the available listener (psychologist, or supervisor who chose to be available)
   idle the longest, that is available since the earliest.
3. A caller who asked for a language is offered only listeners who speak it for
   ECOUTE_LANGUAGE_FALLBACK_SECONDS; after that, anyone (the caller's screen says so).
4. A returning caller waiting for their own psychologist is offered to that psychologist only,
   until they choose "someone else now" (offered again after ECOUTE_PREFERRED_SWITCH_SECONDS).
5. A listener who declined or missed a call is not offered that call again. A missed ring
   (ECOUTE_RING_TIMEOUT) puts the listener on break and alerts supervisors (ecoute/calls/actions.py).

Decisions come from the database and are made atomically: the free listeners and the waiting
calls are read with SELECT ... FOR UPDATE SKIP LOCKED on PostgreSQL, so that routers running in
several server processes at once take disjoint rows (SQLite lets one writer at a time anyway);
plan() pairs them by the rules above, in memory, and actions.offer rings every pair of the pass in
a few set-based statements whose conditions (call still requested, listener still available) make
a double assignment impossible on any database: all the pairs ring, or none and the pass is made
again.

When it runs: after every action that changes the queue or frees a listener, once that action has
committed (route_after_commit, called by ecoute/calls/actions.py: one pass per transaction, so the
requests a server process stores together are placed in one pass), and each second in every
process (ecoute/calls/timers.py), so that a process that dies mid-route leaves nothing stranded:
its transaction rolls back and another process places the call.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import QuerySet

from ecoute.lib import clock
from ecoute.lib.realtime import RECENT_HOOKS
from ecoute.presence.models import Presence, Status
from ecoute.presence.queries import available_listeners, languages_of

from . import actions
from .models import Call, Ring, RingOutcome
from .queue import waiting_calls

# Calls considered per pass: enough for any burst, small enough to keep each transaction short.
BATCH = 200
# Passes tried when what was read changed before the rings were made (rare: rows are locked).
ATTEMPTS = 3


def route_waiting() -> int:
    """Ring free listeners for waiting calls, in queue order, until one or the other runs out. Returns rings made."""
    for _ in range(ATTEMPTS):
        try:
            return _route_once()
        except actions.CallError:
            continue  # a listener or a call changed between reading and ringing: decide again
    return 0


def route_after_commit() -> None:
    """Place what can be placed once the current transaction commits: one pass however many changes it made."""
    # The latest hooks only: a transaction may hold thousands (the simulator's week is one), and a
    # second pass after the first finds nothing to place, at the cost of two indexed reads.
    hooks = transaction.get_connection().run_on_commit[-RECENT_HOOKS:]
    if not any(hook[1] is route_waiting for hook in hooks):
        # robust: the change is committed whatever happens to this pass (the timers' pass tries again).
        transaction.on_commit(route_waiting, robust=True)


def _route_once() -> int:
    if not _anything_to_place():
        return 0
    with transaction.atomic():
        # Listeners before calls: a pass with nobody free to offer holds no waiting call, and the
        # pass that holds the free listeners also takes the head of the queue.
        free = list(_locked(available_listeners(), of=("self",)).values_list("pk", flat=True))
        if not free:
            return 0
        calls = list(_locked(waiting_calls(), of=("self",))[:BATCH])
        if not calls:
            return 0
        # Who speaks what is read only when a call asks for a language (a surge's calls do not).
        spoken = languages_of(free) if any(call.language_id for call in calls) else {}
        decisions = plan(calls, free, spoken, _refused([call.pk for call in calls]), clock.now())
        if decisions:
            actions.offer(decisions)  # all or none, in one savepoint
        return len(decisions)


def _anything_to_place() -> bool:
    """Somebody waits and somebody is free, two indexed reads without a lock: the usual answers are
    "nobody waits" on a quiet line and "nobody is free" in a surge, where locking the listeners for
    every request was a third of the time (docs/performance.md)."""
    return waiting_calls().exists() and Presence.objects.filter(status=Status.AVAILABLE).exists()


def plan(
    calls: list[Call], free: list[int], spoken: dict[int, set[int]], refused: dict, now: datetime
) -> list[tuple[Call, int]]:
    """The (call, listener) pairs to ring: CALLS in queue order, each given its listener by choose()."""
    free = list(free)
    decisions = []
    for call in calls:
        listener_id = choose(call, free, spoken, refused.get(call.pk, set()), now)
        if listener_id is not None:
            free.remove(listener_id)
            decisions.append((call, listener_id))
            if not free:
                break
    return decisions


def choose(
    call: Call, free: list[int], spoken: dict[int, set[int]], refused: set[int], now: datetime
) -> int | None:
    """The listener rule 2-5 give CALL among FREE (longest idle first), or None."""
    if call.preferred_psychologist_id:
        wanted = call.preferred_psychologist_id
        return wanted if wanted in free and wanted not in refused else None
    language = call.language_id if call.language_id and not language_fallen_back(call, now) else None
    for listener_id in free:
        if listener_id not in refused and (language is None or language in spoken.get(listener_id, ())):
            return listener_id
    return None


def language_fallen_back(call: Call, now: datetime) -> bool:
    return now >= call.queued_at + timedelta(seconds=settings.ECOUTE_LANGUAGE_FALLBACK_SECONDS)


def _refused(call_ids: list) -> dict:
    refused: dict = {}
    rows = Ring.objects.filter(call_id__in=call_ids, outcome__in=[RingOutcome.DECLINED, RingOutcome.MISSED])
    for call_id, listener_id in rows.values_list("call_id", "psychologist_id"):
        refused.setdefault(call_id, set()).add(listener_id)
    return refused


def _locked(rows: QuerySet, of) -> QuerySet:
    """Rows no other router is holding, locked until commit (PostgreSQL); SQLite serialises writers anyway."""
    if connection.features.has_select_for_update_skip_locked:
        return rows.select_for_update(skip_locked=True, of=of)
    return rows
