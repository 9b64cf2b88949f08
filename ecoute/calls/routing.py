"""The router: which waiting call rings which listener, and where a caller stands in the queue.

The rules, all here:

1. Queue order: calls held back as abuse last (ecoute/abuse), then priority (a caller who said they are in danger goes before everyone), then
   first come, first served by the time the call joined the queue. A call that rang somebody who
   did not answer keeps its place: it is never lost between two rings.
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
again. Every process runs route_waiting() each second (ecoute/calls/timers.py) besides right after
each change, so a process that dies mid-route leaves nothing stranded: its transaction rolls back
and another process places the call.
"""

import math
from collections import Counter
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Avg, F, QuerySet

from ecoute.lib import clock
from ecoute.presence.models import Presence, Status
from ecoute.presence.queries import available_listeners, languages_of, listeners_on_duty

from . import actions
from .actions import CallError
from .models import Call, CallState, Ring, RingOutcome

# A call held back as abuse (ecoute/abuse) waits behind every other, even one marked urgent.
QUEUE_ORDER = ("held_back", "-priority", "queued_at", "pk")
# Calls considered per pass: enough for any burst, small enough to keep each transaction short.
BATCH = 200
# Passes tried when what was read changed before the rings were made (rare: rows are locked).
ATTEMPTS = 3


def waiting_calls() -> QuerySet:
    """The queue: calls waiting for the router, in the order they will be placed."""
    return Call.objects.filter(state=CallState.REQUESTED, queued_at__isnull=False).order_by(*QUEUE_ORDER)


def route_waiting() -> int:
    """Ring free listeners for waiting calls, in queue order, until one or the other runs out. Returns rings made."""
    for _ in range(ATTEMPTS):
        try:
            return _route_once()
        except CallError:
            continue  # a listener or a call changed between reading and ringing: decide again
    return 0


def _route_once() -> int:
    if not waiting_calls().exists():
        return 0  # the usual case on a quiet line: one indexed read (a call joining routes again itself)
    with transaction.atomic():
        # Listeners before calls: a pass with nobody free to offer holds no waiting call, and the
        # pass that holds the free listeners also takes the head of the queue.
        free = list(_locked(available_listeners(), of=("self",)).values_list("pk", flat=True))
        if not free:
            return 0
        calls = list(_locked(waiting_calls(), of=("self",))[:BATCH])
        if not calls:
            return 0
        decisions = plan(calls, free, languages_of(free), _refused([call.pk for call in calls]), clock.now())
        if decisions:
            actions.offer(decisions)  # all or none, in one savepoint
        return len(decisions)


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


# --- Where a caller stands ------------------------------------------------------------------------


def places() -> dict:
    """Every waiting call's place: 1 for the next to be placed; among the calls waiting for the same
    psychologist when the caller asked for their own. One read of the queue, however long it is."""
    found, waiting_for = {}, Counter()
    queue = waiting_calls().values_list("pk", "preferred_psychologist_id")
    for place, (call_id, preferred_id) in enumerate(queue, start=1):
        if preferred_id:
            waiting_for[preferred_id] += 1
            place = waiting_for[preferred_id]
        found[call_id] = place
    return found


def position(call: Call) -> int | None:
    return places().get(call.pk)


def handle_seconds() -> float:
    """The average time a listener gives a call, talk and wrap-up, over the last week."""
    since = clock.now() - timedelta(days=7)
    recent = Call.objects.filter(state=CallState.ENDED, answered_at__isnull=False, ended_at__gte=since)
    talk = recent.aggregate(talk=Avg(F("ended_at") - F("answered_at")))["talk"]
    talk_seconds = talk.total_seconds() if talk else settings.ECOUTE_DEFAULT_HANDLE_SECONDS
    return talk_seconds + settings.ECOUTE_WRAP_UP_SECONDS


class WaitEstimate:
    """Seconds before a call is likely answered, or None when nobody is on duty to say.

    Honest and simple: the calls ahead share the listeners on duty, each taking the average handle
    time. A caller waiting for their own psychologist waits for the rest of that psychologist's
    current call (at least a minute) and for the calls before theirs. What every estimate needs is
    read once, so that a whole queue is estimated in a few queries.
    """

    def __init__(self) -> None:
        self.handle = handle_seconds()
        self.on_duty = listeners_on_duty()

    def __call__(self, call: Call, place: int) -> int | None:
        if call.preferred_psychologist_id:
            return self._wait_for(call.preferred_psychologist_id, place)
        if self.on_duty == 0:
            return None
        return math.ceil(place * self.handle / self.on_duty)

    def _wait_for(self, listener_id: int, place: int) -> int | None:
        presence = Presence.objects.filter(pk=listener_id).values("status", "changed_at").first()
        if presence is None or presence["status"] in (Status.OFFLINE, Status.BREAK):
            return None
        left = 0.0
        if presence["status"] == Status.IN_CALL:
            left = max(60.0, self.handle - (clock.now() - presence["changed_at"]).total_seconds())
        return math.ceil(left + (place - 1) * self.handle)
