"""Where a waiting caller stands: their place in the queue and an honest estimate of the wait.

Read for every waiting caller of a server process at once (ecoute/calls/queue_fanout.py) and for
the callers whose requests were just stored (ecoute/calls/queue_intake.py): a few queries whatever
the number of callers.
"""

import math
from datetime import datetime, timedelta
from typing import NamedTuple

from django.conf import settings
from django.db import connection
from django.db.models import Avg, Case, F, When, Window
from django.db.models.functions import RowNumber

from ecoute.accounts.models import Language
from ecoute.lib import clock
from ecoute.presence.models import Presence, Status
from ecoute.presence.queries import listeners_on_duty
from ecoute.protocol import events

from .models import Call, CallState, Priority
from .queue import QUEUE_ORDER, waiting_calls
from .router import language_fallen_back

# A call's place: its rank in the whole queue, or among the calls waiting for the same psychologist
# when its caller asked for their own (1 for the next to be placed).
_PLACE = Case(
    When(preferred_psychologist__isnull=True, then=Window(RowNumber(), order_by=QUEUE_ORDER)),
    default=Window(RowNumber(), partition_by=F("preferred_psychologist_id"), order_by=QUEUE_ORDER),
)


def places(call_ids) -> dict:
    """Each of these calls' place, for the ones still waiting: ranked by the database over the whole
    queue, and only the calls asked for read back (in a surge, reading the whole queue's rows for
    each batch and each fan-out was a quarter of the servers' time, docs/performance.md)."""
    ids = list(call_ids)
    if not ids:
        return {}
    ranked = waiting_calls().annotate(place=_PLACE).values_list("pk", "place")
    sql, params = ranked.query.sql_with_params()
    prepare = Call._meta.pk.get_db_prep_value
    wanted = [prepare(call_id, connection) for call_id in ids]
    marks = ", ".join(["%s"] * len(wanted))
    with connection.cursor() as cursor:
        # The filter outside the ranking: inside, it would rank only these calls.
        cursor.execute(
            f"WITH ranked (call_id, place) AS ({sql}) SELECT call_id, place FROM ranked "
            f"WHERE call_id IN ({marks})",
            [*params, *wanted],
        )
        rows = cursor.fetchall()
    convert = Call._meta.pk.to_python
    return {convert(call_id): place for call_id, place in rows}


def position(call: Call) -> int | None:
    return places([call.pk]).get(call.pk)


def queue_position(call_id) -> dict | None:
    """Where a waiting call stands, as its caller is told; None once it no longer waits."""
    return queue_positions([call_id]).get(call_id)


class Waiting(NamedTuple):
    """What a waiting caller is told needs of their call: read as values, not as models (a surge's
    batch and each process's fan-out tell hundreds of callers at once)."""

    pk: object
    priority: int
    requested_at: datetime
    queued_at: datetime
    language_id: int | None
    preferred_psychologist_id: int | None


def queue_positions(call_ids) -> dict:
    """Where each of these calls stands in the queue, as its caller is told; calls no longer waiting are left out."""
    found = places(call_ids)
    if not found:
        return {}
    calls = [
        Waiting(*row)
        for row in Call.objects.filter(pk__in=list(found)).values_list(*Waiting._fields)
        if row[0] in found
    ]
    languages = Language.objects.in_bulk({call.language_id for call in calls if call.language_id})
    estimate, now = WaitEstimate(), clock.now()
    return {
        call.pk: _position_event(call, found[call.pk], languages.get(call.language_id), estimate, now)
        for call in calls
    }


def _position_event(call: Waiting, place: int, language: Language | None, estimate, now) -> dict:
    return events.queue_position(
        call.pk,
        position=place,
        estimated_wait=estimate(call, place),
        waited=int((now - call.requested_at).total_seconds()),
        urgent=call.priority == Priority.URGENT,
        language=str(language) if language else None,
        language_fallback=bool(call.language_id) and language_fallen_back(call, now),
        waiting_for=call.preferred_psychologist_id,
    )


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

    def __call__(self, call: "Call | Waiting", place: int) -> int | None:
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
