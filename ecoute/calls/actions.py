"""The call lifecycle: the only module that changes a call's state.

    requested ──ring──▶ ringing ──accept──▶ connected ──hang up──▶ ended
        ▲                  │
        └─decline / miss───┘          requested, ringing ──caller leaves──▶ abandoned

A call enters "requested" either by a tap on one psychologist (ring_psychologist rings them at
once) or by joining the queue (enqueue); queued calls are rung by the router
(ecoute/calls/router.py decides, offer() here makes the move). A queued call that is declined or
missed goes back to "requested" with its place in the queue kept, so it is never lost between two
rings.

Each action runs in one transaction, moves the call with a conditional UPDATE on its expected
state (so a replayed or concurrent action changes nothing and raises IllegalTransition), moves the
psychologist's presence the same way, and sends its events only after commit. An action that
changes the queue or frees a listener has the router place what it can once it has committed
(_queue_changed, _listener_freed): the sockets never need to know that the router exists.
"""

import logging
import uuid
from dataclasses import dataclass
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import Case, F, Value, When
from django.db.models.functions import Coalesce
from django.utils.translation import (  # an alert's reason is kept in French, read in the reader's language
    gettext,
    gettext_noop,
)

from ecoute.feedback import tickets as feedback_tickets
from ecoute.lib import clock
from ecoute.lib.realtime import (
    QUEUE_GROUP,
    caller_group,
    relay_after_commit,
    send_once_after_commit,
    staff_group,
)
from ecoute.presence import actions as presence
from ecoute.presence.models import Status
from ecoute.protocol import events

from . import device_key
from .ice import ice_configuration
from .models import AlertKind, Call, CallState, Channel, EndReason, Priority, Ring, RingOutcome
from .supervision import alerts

logger = logging.getLogger(__name__)

# The only legal moves: target state -> the states it can be reached from.
TRANSITIONS = {
    CallState.RINGING: (CallState.REQUESTED,),
    CallState.CONNECTED: (CallState.RINGING,),
    CallState.REQUESTED: (CallState.RINGING,),
    CallState.ENDED: (CallState.CONNECTED,),
    CallState.ABANDONED: (CallState.REQUESTED, CallState.RINGING),
}
ACTIVE_STATES = (CallState.REQUESTED, CallState.RINGING, CallState.CONNECTED)


class CallError(Exception):
    """An action that cannot happen now; the message is fit to show to the person who tried."""

    code = "call_error"


class IllegalTransition(CallError):
    code = "illegal_transition"


class PsychologistBusy(CallError):
    code = "busy"


class AlreadyUrgent(CallError):
    code = "already_urgent"


def _move(call_id, target: str, **fields) -> None:
    """Move the call to TARGET from one of its legal sources, or raise with the state left as it was."""
    sources = TRANSITIONS[target]
    extra_filters = fields.pop("where", {})
    moved = Call.objects.filter(pk=call_id, state__in=sources, **extra_filters).update(state=target, **fields)
    if moved:
        logger.info("call %s is now %s", call_id, target)  # ids and states only: nothing about the caller
    else:
        current = Call.objects.filter(pk=call_id).values_list("state", flat=True).first()
        if current is None:
            raise IllegalTransition(gettext("Cet appel n'existe pas."))
        raise IllegalTransition(
            gettext("Cet appel est « %(current)s » : il ne peut pas passer à « %(target)s ».")
            % {"current": CallState(current).label, "target": CallState(target).label}
        )


def _close_ring(call_id, psychologist_id: int, outcome: str, now) -> None:
    closed = Ring.objects.filter(
        call_id=call_id, psychologist_id=psychologist_id, outcome=RingOutcome.RINGING
    ).update(outcome=outcome, ended_at=now)
    if not closed:
        raise IllegalTransition(gettext("Cet appel ne sonne pas chez vous."))


# --- The caller ---------------------------------------------------------------------------------


@transaction.atomic
def ring_psychologist(
    call_id: uuid.UUID, psychologist_id: int, caller_key: str = "", new: bool = False
) -> Call:
    """The caller tapped a psychologist: open the call if it is new, then ring them.

    Claiming the psychologist is a conditional UPDATE on 'available', so of many callers tapping
    the same psychologist at once exactly one rings them; the others get PsychologistBusy.
    NEW: the caller's socket has just made CALL_ID, so the call is inserted without first being
    looked for (get_or_create's SELECT and savepoint were three of the tap's round trips).
    """
    now = clock.now()
    opened = {"requested_at": now, "caller_key_hash": device_key.hashed(caller_key), "caller_seen_at": now}
    if new:
        call = Call.objects.create(pk=call_id, **opened)
    else:
        call, _ = Call.objects.get_or_create(pk=call_id, defaults=opened)
    if call.queued_at:
        raise IllegalTransition(
            gettext("Cet appel attend dans la file : il sera proposé au premier psychologue libre.")
        )
    return _ring(call, psychologist_id, now)


@transaction.atomic
def offer(decisions: list[tuple[Call, int]]) -> None:
    """The router rings, for each (call, listener) of DECISIONS, that listener for that waiting call: all or none.

    Set-based, so that a router placing a hundred calls makes a handful of statements instead of a
    hundred transactions (docs/performance.md). The conditions are those of a single ring: every
    listener still available, every call still waiting in the queue. If one does not hold (a caller
    tapped that listener a moment ago, a caller left), nothing changes and the error tells the
    router to decide again from the database (ecoute/calls/router.py decides; this makes the move).
    """
    if not presence.move_all(
        [listener_id for _, listener_id in decisions], [Status.AVAILABLE], Status.RINGING
    ):
        raise PsychologistBusy(gettext("Un de ces psychologues vient de prendre un autre appel."))
    now = clock.now()
    listener_of = Case(*[When(pk=call.pk, then=Value(listener_id)) for call, listener_id in decisions])
    moved = Call.objects.filter(
        pk__in=[call.pk for call, _ in decisions], state=CallState.REQUESTED, queued_at__isnull=False
    ).update(
        state=CallState.RINGING, psychologist_id=listener_of, ringing_at=Coalesce(F("ringing_at"), Value(now))
    )
    if moved != len(decisions):
        raise IllegalTransition(gettext("Un de ces appels n'attend plus dans la file."))
    # The move above succeeded only from "requested": no other ring of these calls is open (the
    # unique constraint would still refuse one and roll the whole offer back).
    Ring.objects.bulk_create(
        Ring(call=call, psychologist_id=listener_id, started_at=now) for call, listener_id in decisions
    )
    returning = _returning_callers(decisions)
    for call, listener_id in decisions:
        _announce_ring(call, listener_id, returning=(call.caller_key_hash, listener_id) in returning)
        logger.info("call %s is now %s", call.pk, CallState.RINGING)
    _nudge_waiting_callers()  # the router's own move: it goes on placing by itself


def _returning_callers(decisions: list[tuple[Call, int]]) -> set[tuple[str, int]]:
    """The (caller key hash, listener) pairs of DECISIONS who have talked before."""
    hashes = {call.caller_key_hash for call, _ in decisions if call.caller_key_hash}
    if not hashes:
        return set()
    earlier = Call.objects.filter(
        caller_key_hash__in=hashes,
        psychologist_id__in=[listener_id for _, listener_id in decisions],
        answered_at__isnull=False,
    )
    return set(earlier.values_list("caller_key_hash", "psychologist_id"))


@transaction.atomic
def take_call(call_id: uuid.UUID, supervisor_id: int) -> Call:
    """A supervisor takes a waiting call of the queue themselves: their workspace rings."""
    call = Call.objects.filter(pk=call_id, queued_at__isnull=False).first()
    if call is None:
        raise IllegalTransition(gettext("Cet appel n'est pas dans la file."))
    call = _ring(call, supervisor_id, clock.now(), claim=presence.claim_for_supervisor)
    _nudge_waiting_callers()
    return call


# Alerts about a waiting caller that a supervisor's call-back answers.
ANSWERED_BY_CALL_BACK = (AlertKind.LONG_WAIT, AlertKind.DANGER, AlertKind.TRANSFER)


@transaction.atomic
def call_back(call_id: uuid.UUID, supervisor_id: int) -> Call:
    """« Rappel immédiat par un cadre »: a supervisor calls a waiting caller back at once.

    The supervisor chose this caller, so nothing rings on their side: their open workspace is
    connected straight away, and the caller's app goes through the usual ringing then accepted
    events (the same audio path as any answered call). The call is recorded as answered by that
    supervisor (a ring accepted, `called_back`), and its alerts about waiting are taken by them.
    """
    call = Call.objects.select_for_update().filter(pk=call_id, state=CallState.REQUESTED).first()
    if call is None:
        raise IllegalTransition(gettext("Cet appel n'attend plus : quelqu'un l'a peut-être déjà pris."))
    if not presence.claim_for_supervisor(supervisor_id):
        raise PsychologistBusy(gettext("Ce psychologue vient de prendre un autre appel."))
    now = clock.now()
    _move(call.pk, CallState.RINGING, psychologist_id=supervisor_id, ringing_at=call.ringing_at or now)
    Ring.objects.create(call=call, psychologist_id=supervisor_id, started_at=now)
    Call.objects.filter(pk=call.pk).update(called_back=True)
    relay_after_commit(
        caller_group(call.pk), events.caller_ringing(call.pk, supervisor_id, by_supervisor=True)
    )
    answered = accept(call.pk, supervisor_id)
    alerts.take_all_of_call(call.pk, supervisor_id, ANSWERED_BY_CALL_BACK)
    if call.queued_at:
        _queue_changed()
    return answered


def _ring(call: Call, psychologist_id: int, now, claim=presence.claim_for_ringing) -> Call:
    if not claim(psychologist_id):
        raise PsychologistBusy(gettext("Ce psychologue vient de prendre un autre appel."))
    _move(call.pk, CallState.RINGING, psychologist_id=psychologist_id, ringing_at=call.ringing_at or now)
    # The move above succeeded only from "requested": no other ring of this call is open (the
    # unique constraint would still refuse one and roll the whole action back).
    Ring.objects.create(call=call, psychologist_id=psychologist_id, started_at=now)
    _announce_ring(call, psychologist_id, returning=_is_returning(call, psychologist_id))
    call.refresh_from_db()
    return call


def _announce_ring(call: Call, psychologist_id: int, returning: bool) -> None:
    relay_after_commit(staff_group(psychologist_id), _ringing_event(call, returning))
    relay_after_commit(caller_group(call.pk), events.caller_ringing(call.pk, psychologist_id))


def ringing_event(call: Call, psychologist_id: int) -> dict:
    """What the psychologist's workspace is told of a call ringing there (also sent again on reconnection)."""
    return _ringing_event(call, _is_returning(call, psychologist_id))


def _ringing_event(call: Call, returning: bool) -> dict:
    return events.listener_ringing(
        call.pk,
        returning=returning,
        urgent=call.priority == Priority.URGENT,
        phone=call.channel == Channel.PHONE,
    )


def _is_returning(call: Call, psychologist_id: int) -> bool:
    """Has this caller talked with this psychologist before? (Told to the psychologist, never to others.)"""
    if not call.caller_key_hash:
        return False
    earlier = Call.objects.filter(
        caller_key_hash=call.caller_key_hash, psychologist_id=psychologist_id, answered_at__isnull=False
    )
    return earlier.exclude(pk=call.pk).exists()


@transaction.atomic
def enqueue(
    call_id: uuid.UUID,
    caller_key: str = "",
    language_id: int | None = None,
    preferred_id: int | None = None,
    held_back: bool = False,
    channel: str = Channel.APP,
    caller_key_hash: str | None = None,
) -> Call:
    """The caller asked to talk to someone now (or to their own psychologist): the call joins the queue.

    CHANNEL says how they called: the app, or the phone (ecoute/telephony: the media agent speaks
    for the phone caller on the same socket protocol); both wait in the same queue. CALLER_KEY_HASH,
    when given, stands for the caller key's hash (a phone caller's, from a code de suivi).

    A call the caller had placed by tapping someone who did not answer may join it too; it keeps
    the time it was first requested, which is what the caller has waited. A call HELD_BACK comes
    from a source flooding the line: it waits behind every other (ecoute/abuse).
    """
    join = Join(
        call_id,
        caller_key,
        language_id,
        preferred_id,
        held_back,
        channel=channel,
        caller_key_hash=caller_key_hash,
    )
    outcome = enqueue_all([join])[0]
    if isinstance(outcome, CallError):
        raise outcome
    return outcome


@dataclass(frozen=True)
class Join:
    """One caller's request to join the queue (the arguments of enqueue)."""

    call_id: uuid.UUID
    caller_key: str = ""
    language_id: int | None = None
    preferred_id: int | None = None
    held_back: bool = False
    # False when the socket knows the call is new (no tapped call to look for first).
    maybe_tapped: bool = True
    channel: str = Channel.APP
    # Given instead of CALLER_KEY: its hash (a phone caller's comes from a code de suivi).
    caller_key_hash: str | None = None

    def key_hash(self) -> str:
        return (
            self.caller_key_hash if self.caller_key_hash is not None else device_key.hashed(self.caller_key)
        )


@transaction.atomic
def enqueue_all(joins: list[Join]) -> list["Call | CallError"]:
    """The requests of JOINS join the queue in one transaction: for each, its call or why it cannot join.

    A server process stores the requests it received at once together (ecoute/calls/queue_intake.py):
    one bulk INSERT of the new calls, one commit and one routing pass for all of them, instead of a
    transaction, a commit and a pass each (docs/performance.md). An id already taken by a call that
    cannot join (queued, answered, ended) is refused for that request only.
    """
    now = clock.now()
    # The queue is first come, first served by queued_at: within a batch, the order the requests
    # arrived in, a microsecond apart (the same instant would leave their order to their random ids).
    arrived = [now + timedelta(microseconds=index) for index in range(len(joins))]
    outcomes: list = [None] * len(joins)
    for index, join in enumerate(joins):
        if not join.maybe_tapped:
            continue  # a new call (a surge's joins): no query built for it
        tapped = Call.objects.filter(pk=join.call_id, state=CallState.REQUESTED, queued_at__isnull=True)
        if tapped.update(**_queue_fields(join, arrived[index])):
            outcomes[index] = Call.objects.get(pk=join.call_id)  # a tapped call nobody answered
    new = [index for index, outcome in enumerate(outcomes) if outcome is None]
    calls = _insert_calls([(joins[index], arrived[index]) for index in new])
    for index, outcome in zip(new, calls):
        outcomes[index] = outcome
    _queue_changed()
    return outcomes


def _queue_fields(join: Join, at) -> dict:
    return {
        "queued_at": at,
        "language_id": join.language_id,
        "preferred_psychologist_id": join.preferred_id,
        "caller_seen_at": at,
        "held_back": join.held_back,
    }


def _new_call(join: Join, at) -> Call:
    return Call(
        pk=join.call_id,
        requested_at=at,
        caller_key_hash=join.key_hash(),
        channel=join.channel,
        **_queue_fields(join, at),
    )


def _insert_calls(joins: list[tuple[Join, object]]) -> list:
    """New calls, each (join, time it arrived), in one INSERT, in that order; if an id is taken,
    each on its own so that only the requests whose id is taken are refused (by the primary key)."""
    try:
        with transaction.atomic():
            return Call.objects.bulk_create([_new_call(join, at) for join, at in joins])
    except IntegrityError:
        pass
    outcomes = []
    for join, at in joins:
        try:
            with transaction.atomic():
                outcomes.append(Call.objects.bulk_create([_new_call(join, at)])[0])
        except IntegrityError:
            outcomes.append(IllegalTransition(gettext("Cet appel ne peut plus entrer dans la file.")))
    return outcomes


@transaction.atomic
def mark_urgent(call_id: uuid.UUID, group: str = "") -> None:
    """The caller said they are in danger: the front of the queue, and supervisors alerted at once.

    Once per call. GROUP joins the alert to those of the same source a moment ago (one line on the board).
    """
    waiting = Call.objects.filter(
        pk=call_id, state__in=[CallState.REQUESTED, CallState.RINGING], queued_at__isnull=False
    )
    if not waiting.exists():
        raise IllegalTransition(gettext("Cet appel n'attend plus dans la file."))
    if not waiting.filter(priority=Priority.NORMAL).update(
        priority=Priority.URGENT, preferred_psychologist=None, language=None
    ):
        raise AlreadyUrgent(
            gettext("Votre appel passe déjà en priorité et un cadre de la plateforme est prévenu.")
        )
    alerts.raise_alert(
        AlertKind.DANGER,
        call_id=call_id,
        reason=gettext_noop("L'appelant dit être en danger ou avoir des idées suicidaires."),
        group=group,
    )
    _queue_changed()


@transaction.atomic
def anyone_now(call_id: uuid.UUID) -> None:
    """A returning caller waiting for their own psychologist chose to talk to someone else now."""
    if not Call.objects.filter(pk=call_id, state=CallState.REQUESTED, queued_at__isnull=False).update(
        preferred_psychologist=None
    ):
        raise IllegalTransition(gettext("Cet appel n'attend plus dans la file."))
    _queue_changed()


def callers_present(call_ids) -> int:
    """Signs of life from these calls' callers (their app, or their open socket), so that a waiting
    call is not taken for abandoned (ecoute/calls/timers.py)."""
    return Call.objects.filter(pk__in=list(call_ids), state__in=ACTIVE_STATES).update(
        caller_seen_at=clock.now()
    )


def _queue_changed() -> None:
    """The queue changed: the router places what it can after commit, and waiting callers hear their place."""
    _listener_freed()
    _nudge_waiting_callers()


def _listener_freed() -> None:
    """A listener may be free for a waiting call: the router's pass runs once this action has committed."""
    from . import router  # the router rings through offer() here: imported when first needed

    router.route_after_commit()


def _nudge_waiting_callers() -> None:
    """Each server process tells its waiting callers their place again (ecoute/calls/queue_fanout.py):
    one nudge per transaction, whatever the number of changes it made."""
    send_once_after_commit(QUEUE_GROUP, {"type": "queue.changed"})


@transaction.atomic
def caller_leaves(call_id: uuid.UUID, reason: str = EndReason.CALLER_LEFT) -> str:
    """The caller hung up or went away, whatever the state: end what must be ended. Returns the new state."""
    call = Call.objects.select_for_update().filter(pk=call_id).first()
    if call is None:
        raise IllegalTransition(gettext("Cet appel n'existe pas."))
    now = clock.now()
    if call.state == CallState.CONNECTED:
        end_reason = EndReason.CALLER_HUNG_UP if reason == EndReason.CALLER_LEFT else reason
        _end(call, end_reason, now)
        return CallState.ENDED
    if call.state not in (CallState.REQUESTED, CallState.RINGING):
        raise IllegalTransition(gettext("Cet appel est déjà terminé."))
    if call.state == CallState.RINGING:
        _close_ring(call.pk, call.psychologist_id, RingOutcome.CANCELLED, now)
        presence.ringing_stopped(call.psychologist_id)
        relay_after_commit(staff_group(call.psychologist_id), events.call_cancelled(call.pk))
        _listener_freed()
    end_reason = (
        EndReason.CALLER_LOST if reason == EndReason.CALLER_LOST and call.queued_at else EndReason.CALLER_LEFT
    )
    _move(call.pk, CallState.ABANDONED, ended_at=now, end_reason=end_reason)
    if call.queued_at:
        _queue_changed()
    return CallState.ABANDONED


def left_in_menu(call_id: uuid.UUID, seconds_in_menu: float) -> Call:
    """A phone caller put the phone down in the voice menu, before joining the queue: an abandoned call.

    Stored so that the figures count every caller who reached the line (a caller who gives up in
    the menu may be the one in distress), with nothing of the caller: no key, no language, its
    stage in the end reason. It was requested when the line answered, SECONDS_IN_MENU ago.
    """
    now = clock.now()
    return Call.objects.create(
        pk=call_id,
        channel=Channel.PHONE,
        state=CallState.ABANDONED,
        requested_at=now - timedelta(seconds=seconds_in_menu),
        ended_at=now,
        end_reason=EndReason.LEFT_IN_MENU,
    )


@transaction.atomic
def ask_for_supervisor(call_id: uuid.UUID) -> bool:
    """A phone caller waiting long pressed the key to reach a supervisor: the supervisors' "transfer
    to a supervisor" alert, about the waiting call, which any of them may take from the board.

    Once per call: False when the call already has that alert open.
    """
    waiting = Call.objects.filter(
        pk=call_id, state__in=[CallState.REQUESTED, CallState.RINGING], queued_at__isnull=False
    )
    if not waiting.exists():
        raise IllegalTransition(gettext("Cet appel n'attend plus dans la file."))
    alert = alerts.raise_alert(
        AlertKind.TRANSFER,
        call_id=call_id,
        reason=gettext_noop("L'appelant du numéro vert attend depuis longtemps et demande un cadre."),
    )
    return alert is not None


@transaction.atomic
def end_as_abuse(call_id: uuid.UUID) -> None:
    """A supervisor blocked this waiting call's device or source (ecoute/abuse): it ends, counted apart."""
    call = (
        Call.objects.select_for_update()
        .filter(pk=call_id, state__in=[CallState.REQUESTED, CallState.RINGING])
        .first()
    )
    if call is None:
        raise IllegalTransition("Cet appel n'attend plus.")
    now = clock.now()
    if call.state == CallState.RINGING:
        _close_ring(call.pk, call.psychologist_id, RingOutcome.CANCELLED, now)
        presence.ringing_stopped(call.psychologist_id)
        relay_after_commit(staff_group(call.psychologist_id), events.call_cancelled(call.pk))
    _move(call.pk, CallState.ABANDONED, ended_at=now, end_reason=EndReason.BLOCKED)
    relay_after_commit(caller_group(call.pk), events.call_ended(call.pk, EndReason.BLOCKED))
    _queue_changed()


# --- The psychologist ---------------------------------------------------------------------------


@transaction.atomic
def accept(call_id: uuid.UUID, psychologist_id: int) -> Call:
    now = clock.now()
    _move(call_id, CallState.CONNECTED, where={"psychologist_id": psychologist_id}, answered_at=now)
    _close_ring(call_id, psychologist_id, RingOutcome.ACCEPTED, now)
    presence.call_started(psychologist_id)
    relay_after_commit(caller_group(call_id), events.call_accepted(call_id, ice_configuration()))
    call = Call.objects.get(pk=call_id)
    phone = call.channel == Channel.PHONE
    relay_after_commit(
        staff_group(psychologist_id), events.call_connected(call_id, ice_configuration(), phone)
    )
    return call


def decline(call_id: uuid.UUID, psychologist_id: int) -> None:
    _unanswered(call_id, psychologist_id, RingOutcome.DECLINED, presence_after=Status.AVAILABLE)


@transaction.atomic
def miss(call_id: uuid.UUID, psychologist_id: int, presence_after: str = Status.BREAK) -> None:
    """Nobody answered in time: the psychologist is put on break so that no caller taps a ghost,
    and supervisors are told."""
    _unanswered(call_id, psychologist_id, RingOutcome.MISSED, presence_after=presence_after)
    alerts.raise_alert(AlertKind.MISSED_RING, call_id=call_id, psychologist_id=psychologist_id)


@transaction.atomic
def _unanswered(call_id, psychologist_id: int, outcome: str, presence_after: str) -> None:
    """The call goes back to the caller, who is offered someone else at once."""
    now = clock.now()
    _move(call_id, CallState.REQUESTED, where={"psychologist_id": psychologist_id}, psychologist_id=None)
    _close_ring(call_id, psychologist_id, outcome, now)
    presence.ringing_stopped(psychologist_id, presence_after)
    queued = Call.objects.filter(pk=call_id, queued_at__isnull=False).exists()
    _queue_changed() if queued else _listener_freed()
    relay_after_commit(
        caller_group(call_id), events.call_unanswered(call_id, outcome, psychologist_id, queued)
    )
    relay_after_commit(staff_group(psychologist_id), events.call_cancelled(call_id))


@transaction.atomic
def psychologist_hangs_up(
    call_id: uuid.UUID, psychologist_id: int, reason: str = EndReason.PSYCHOLOGIST_HUNG_UP
) -> None:
    call = Call.objects.select_for_update().get(pk=call_id)
    if psychologist_id not in (call.psychologist_id, call.supervisor_id) or call.state != CallState.CONNECTED:
        raise IllegalTransition(gettext("Vous n'êtes pas en communication sur cet appel."))
    _end(call, reason, clock.now())


def _end(call: Call, reason: str, now) -> None:
    _move(call.pk, CallState.ENDED, ended_at=now, end_reason=reason)
    high_risk = Call.objects.filter(pk=call.pk, high_risk=True).exists()
    event = events.call_ended(call.pk, reason)
    # An answered call's caller may say whether it helped: the app asks on its end screen, the
    # phone line with a key press, once the psychologist hung up (a caller who did is gone).
    asks = call.channel == Channel.APP or reason == EndReason.PSYCHOLOGIST_HUNG_UP
    ticket = feedback_tickets.issue() if asks else None
    relay_after_commit(caller_group(call.pk), events.call_ended(call.pk, reason, feedback_ticket=ticket))
    for listener_id in filter(None, (call.psychologist_id, call.supervisor_id)):
        # The psychologist of the call records it; a supervisor who only joined has no record to write.
        record = call.pk if listener_id == call.psychologist_id else None
        presence.call_finished(listener_id, high_risk=high_risk, record_call_id=record)
        relay_after_commit(staff_group(listener_id), event)
    _listener_freed()  # available again at once when there is no wrap-up


# --- Warm transfer: a supervisor joins, then the psychologist may leave -------------------------


@transaction.atomic
def join_call(call_id: uuid.UUID, supervisor_id: int) -> None:
    """The supervisor joins a call going on: their browser gets its own audio with the caller."""
    if (
        not Call.objects.filter(pk=call_id, state=CallState.CONNECTED, supervisor__isnull=True)
        .exclude(psychologist_id=supervisor_id)
        .update(supervisor_id=supervisor_id)
    ):
        raise IllegalTransition(gettext("Cet appel n'est pas en cours, ou un cadre l'a déjà rejoint."))
    if not presence.join_as_supervisor(supervisor_id):
        raise PsychologistBusy(
            gettext("Ouvrez votre espace d'écoute, sans appel en cours, pour rejoindre cet appel.")
        )
    call = Call.objects.get(pk=call_id)
    ice = ice_configuration()
    relay_after_commit(staff_group(supervisor_id), events.call_joined(call_id, ice))
    relay_after_commit(caller_group(call_id), events.supervisor_joined_caller(call_id, ice))
    relay_after_commit(staff_group(call.psychologist_id), events.supervisor_joined_listener(call_id))


@transaction.atomic
def hand_over(call_id: uuid.UUID, psychologist_id: int) -> None:
    """The psychologist leaves a call a supervisor has joined: the supervisor carries it on."""
    call = Call.objects.in_progress_with(psychologist_id).select_for_update().filter(pk=call_id).first()
    if call is None or not call.supervisor_id:
        raise IllegalTransition(
            gettext("Aucun cadre n'a rejoint cet appel : vous ne pouvez pas le lui passer.")
        )
    Call.objects.filter(pk=call_id).update(psychologist_id=call.supervisor_id, supervisor=None)
    # The psychologist who hands over records their part of the call (ecoute/contacts: not counted twice).
    presence.call_finished(psychologist_id, high_risk=call.high_risk, record_call_id=call.pk)
    event = events.call_handed_over(call_id)
    relay_after_commit(caller_group(call_id), event)
    relay_after_commit(staff_group(call.supervisor_id), event)
    relay_after_commit(staff_group(psychologist_id), events.call_ended(call_id, "handed_over"))


@transaction.atomic
def psychologist_lost(psychologist_id: int) -> None:
    """The psychologist's workspace is gone: release the caller from whatever call they were in."""
    for call_id in Call.objects.filter(supervisor_id=psychologist_id, state=CallState.CONNECTED).values_list(
        "pk", flat=True
    ):
        Call.objects.filter(pk=call_id).update(supervisor=None)  # a supervisor who joined and vanished
        relay_after_commit(caller_group(call_id), events.supervisor_left(call_id))
    for call in Call.objects.in_progress_with(psychologist_id, ringing=True).select_for_update():
        if call.state == CallState.CONNECTED and call.supervisor_id:
            hand_over(call.pk, psychologist_id)  # a supervisor is with the caller: they carry on
        elif call.state == CallState.RINGING:
            miss(call.pk, psychologist_id, presence_after=Status.OFFLINE)
        else:
            _end(call, EndReason.PSYCHOLOGIST_LOST, clock.now())


@transaction.atomic
def set_status(psychologist_id: int, session: str, status: str) -> None:
    """The psychologist chose available, on break or offline in their workspace (ecoute/presence)."""
    presence.choose_status(psychologist_id, session, status)
    _listener_freed()  # available now: the next waiting call may ring them


@transaction.atomic
def workspace_closed(psychologist_id: int, session: str) -> None:
    """The workspace window that spoke for this psychologist closed: end their call, show them away."""
    if presence.owns_session(psychologist_id, session):
        release_psychologist(psychologist_id)


@transaction.atomic
def release_psychologist(psychologist_id: int) -> None:
    """The psychologist is gone (window closed, or silent too long): free their caller, then mark them away."""
    psychologist_lost(psychologist_id)
    presence.mark_away(psychologist_id)


# --- Escalations to supervisors -----------------------------------------------------------------

ESCALATIONS = {AlertKind.HELP, AlertKind.TRANSFER, AlertKind.CALLBACK}


@transaction.atomic
def escalate(call_id: uuid.UUID, psychologist_id: int, kind: str, reason: str = "") -> None:
    """The psychologist in the call asks a supervisor for help, a hand-over, or an immediate call-back."""
    if kind not in ESCALATIONS:
        raise CallError("Demande inconnue.")
    _require_in_call(call_id, psychologist_id)
    alerts.raise_alert(kind, call_id=call_id, psychologist_id=psychologist_id, reason=reason)


@transaction.atomic
def flag_emergency(call_id: uuid.UUID, psychologist_id: int, reason: str) -> None:
    """A life-threatening emergency: supervisors alerted at once, the reason kept in the alert (the audit)."""
    if not reason.strip():
        raise CallError(gettext("Indiquez en quelques mots ce qui se passe."))
    _require_in_call(call_id, psychologist_id)
    Call.objects.filter(pk=call_id).update(high_risk=True)
    alerts.raise_alert(AlertKind.EMERGENCY, call_id=call_id, psychologist_id=psychologist_id, reason=reason)


def _require_in_call(call_id, psychologist_id: int) -> None:
    if not Call.objects.in_progress_with(psychologist_id).filter(pk=call_id).exists():
        raise IllegalTransition(gettext("Vous n'êtes pas en communication sur cet appel."))


@transaction.atomic
def request_debrief(psychologist_id: int) -> None:
    """After a high-risk call, the psychologist asks to debrief with a supervisor."""
    presence.dismiss_debrief(psychologist_id)
    alerts.raise_alert(AlertKind.DEBRIEF, psychologist_id=psychologist_id)
