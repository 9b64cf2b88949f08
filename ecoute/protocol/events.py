"""Every event the server sends over a websocket of the line, each built by one function here.

Each builder is declared with the shape of what it returns and the sockets that receive it
(`@event`); docs/protocol.md describes the same events, and tests/protocol/test_events.py checks
the three against each other, and every event the socket tests receive against its shape. One type
can reach two sockets in two shapes (the caller is not told what the psychologist is told of a
ringing call): each (socket, type) pair has its own shape and builder.

Builders take plain values (ids, texts, what the actions computed) and read nothing, so that an
event is the same wherever it is sent from: an action after commit, a consumer, a reconnection.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from .shapes import ListOf, Nullable, OneOf

# The sockets, named as docs/protocol.md names them, and their paths (ecoute/websocket_urls.py).
CALLER = "caller"
WORKSPACE = "workspace"
SUPERVISION = "supervision"
SOCKET_PATHS = {CALLER: "/ws/line/", WORKSPACE: "/ws/workspace/", SUPERVISION: "/ws/supervision/"}
# The phone line's media agent speaks the caller's protocol for each phone caller (docs/protocol.md).
PHONE_PATH = "/ws/telephony/"


@dataclass(frozen=True)
class Shape:
    type: str
    fields: dict
    optional: dict = field(default_factory=dict)


# (socket, type) -> its shape, and the one function that builds it.
SHAPES: dict[tuple[str, str], Shape] = {}
BUILDERS: dict[tuple[str, str], Callable[..., dict]] = {}


def event(type_: str, sockets: tuple[str, ...], fields: dict, optional: dict | None = None):
    """Declare the function below as the builder of event TYPE_ for SOCKETS, with this shape."""
    shape = Shape(type_, fields, optional or {})

    def register(builder):
        for socket in sockets:
            if (socket, type_) in BUILDERS:
                raise ValueError(f"two builders for {type_!r} on the {socket} socket")
            SHAPES[socket, type_] = shape
            BUILDERS[socket, type_] = builder
        return builder

    return register


def resumed(event: dict) -> dict:
    """EVENT sent again to an app that reconnected: marked so (an optional field of the events concerned)."""
    return {**event, "resumed": True}


ICE = {"iceServers": ListOf(dict), "iceTransportPolicy": OneOf(("relay", "all"))}
RESUMED = {"resumed": bool}
BOARD_CHANGE = {"id": int, "status": str, "version": int}
ALTERNATIVE = Nullable({"id": int, "name": str})
NEXT_STEPS = {"alternative": ALTERNATIVE, "phone": str}
CHALLENGE = {"algorithm": str, "challenge": str, "maxnumber": int, "salt": str, "signature": str}


# --- Every socket --------------------------------------------------------------------------------


@event(
    "error",
    (CALLER, WORKSPACE, SUPERVISION),
    {"code": str, "message": str},
    {"phone": str, "challenge": CHALLENGE},
)
def error(code: str, message: str, **extra) -> dict:
    """A message refused, or a call that cannot be placed now (then with the phone line, or a proof to make)."""
    return {"type": "error", "code": code, "message": message, **extra}


# --- The board (caller's socket) -----------------------------------------------------------------


def board_change(user_id: int, status: str, version: int) -> dict:
    """One psychologist's status on the board, as the presence events carry it."""
    return {"id": user_id, "status": status, "version": version}


@event("presence", (CALLER,), {"changes": ListOf(BOARD_CHANGE)})
def presence(changes: list[dict]) -> dict:
    """The board: every status on connection, then only what changed (board_change items)."""
    return {"type": "presence", "changes": changes}


# --- The caller's call ---------------------------------------------------------------------------


@event("hello", (CALLER,), {"my_psychologists": ListOf(int)})
def hello(my_psychologists: list[int]) -> dict:
    return {"type": "hello", "my_psychologists": my_psychologists}


def next_steps(alternative: dict | None, phone: str) -> dict:
    """Never a dead end: the fields that offer the next psychologist free, or the phone line."""
    return {"alternative": alternative, "phone": phone}


@event("call.busy", (CALLER,), {"psychologist_id": int, **NEXT_STEPS})
def call_busy(psychologist_id: int, alternative: dict | None, phone: str) -> dict:
    return {"type": "call.busy", "psychologist_id": psychologist_id, **next_steps(alternative, phone)}


@event(
    "call.ringing",
    (CALLER,),
    {"call_id": str, "psychologist_id": int, "by_supervisor": bool},
    {**RESUMED, "ice": ICE},
)
def caller_ringing(
    call_id, psychologist_id: int, by_supervisor: bool = False, ice: dict | None = None
) -> dict:
    """BY_SUPERVISOR: a supervisor calls this waiting caller back (« Rappeler maintenant »): the app
    says so, rather than showing a psychologist of the line ringing. ICE only for the phone line's
    media agent: it gathers its relay candidate and prepares its offer while the call rings, so
    that the accept only sends it (docs/protocol.md)."""
    event = {
        "type": "call.ringing",
        "call_id": str(call_id),
        "psychologist_id": psychologist_id,
        "by_supervisor": by_supervisor,
    }
    if ice is not None:
        event["ice"] = ice
    return event


@event(
    "call.unanswered",
    (CALLER,),
    {"call_id": str, "reason": str, "psychologist_id": Nullable(int), "queued": bool},
    NEXT_STEPS,
)
def call_unanswered(call_id, reason: str, psychologist_id: int | None, queued: bool) -> dict:
    """The ring ended unanswered; the caller's socket adds next_steps() unless the call waits in the queue."""
    return {
        "type": "call.unanswered",
        "call_id": str(call_id),
        "reason": reason,
        "psychologist_id": psychologist_id,
        "queued": queued,
    }


@event("call.accepted", (CALLER,), {"call_id": str, "ice": ICE}, RESUMED)
def call_accepted(call_id, ice: dict) -> dict:
    return {"type": "call.accepted", "call_id": str(call_id), "ice": ice}


@event(
    "call.ended", (CALLER, WORKSPACE), {"call_id": str, "reason": str}, {**RESUMED, "feedback_ticket": str}
)
def call_ended(call_id, reason: str, feedback_ticket: str | None = None) -> dict:
    """FEEDBACK_TICKET: to the caller's app of an answered call only, to ask whether it helped
    (ecoute/feedback: good once, linked to no call)."""
    event = {"type": "call.ended", "call_id": str(call_id), "reason": str(reason)}
    return {**event, "feedback_ticket": feedback_ticket} if feedback_ticket else event


@event("call.supervisor_joined", (CALLER,), {"call_id": str, "ice": ICE})
def supervisor_joined_caller(call_id, ice: dict) -> dict:
    """The caller's app opens a second audio link, to the supervisor who joined."""
    return {"type": "call.supervisor_joined", "call_id": str(call_id), "ice": ice}


@event("call.supervisor_left", (CALLER,), {"call_id": str})
def supervisor_left(call_id) -> dict:
    return {"type": "call.supervisor_left", "call_id": str(call_id)}


@event("call.handed_over", (CALLER, WORKSPACE), {"call_id": str})
def call_handed_over(call_id) -> dict:
    return {"type": "call.handed_over", "call_id": str(call_id)}


@event("signal", (CALLER,), {"call_id": str, "signal": dict, "from": OneOf(("psychologist", "supervisor"))})
def signal_to_caller(call_id, signal: dict, sender: str) -> dict:
    return {"type": "signal", "call_id": str(call_id), "signal": signal, "from": sender}


@event("referral.card", (CALLER,), {"call_id": str, "card": dict})
def referral_card(call_id, card: dict) -> dict:
    return {"type": "referral.card", "call_id": str(call_id), "card": card}


# --- The caller in the queue ---------------------------------------------------------------------


@event(
    "queue.joined",
    (CALLER,),
    {"call_id": str, "language_fallback_after": int, "switch_again_after": int, "phone": str},
)
def queue_joined(call_id, language_fallback_after: int, switch_again_after: int, phone: str) -> dict:
    """The call waits in the queue; the queue's rules, in seconds, for the app's screens."""
    return {
        "type": "queue.joined",
        "call_id": str(call_id),
        "language_fallback_after": language_fallback_after,
        "switch_again_after": switch_again_after,
        "phone": phone,
    }


@event(
    "queue.position",
    (CALLER,),
    {
        "call_id": str,
        "position": int,
        "estimated_wait": Nullable(int),
        "waited": int,
        "urgent": bool,
        "language": Nullable(str),
        "language_fallback": bool,
        "waiting_for": Nullable(int),
    },
    RESUMED,
)
def queue_position(
    call_id,
    position: int,
    estimated_wait: int | None,
    waited: int,
    urgent: bool,
    language: str | None,
    language_fallback: bool,
    waiting_for: int | None,
) -> dict:
    return {
        "type": "queue.position",
        "call_id": str(call_id),
        "position": position,
        "estimated_wait": estimated_wait,
        "waited": waited,
        "urgent": urgent,
        "language": language,
        "language_fallback": language_fallback,
        "waiting_for": waiting_for,
    }


@event("queue.supervisors_alerted", (CALLER,), {"call_id": str})
def queue_supervisors_alerted(call_id) -> dict:
    """The caller has waited long enough for the supervisors to be alerted: their screen says someone knows."""
    return {"type": "queue.supervisors_alerted", "call_id": str(call_id)}


@event("follow_up", (CALLER,), {"known": bool, "psychologist_id": Nullable(int), "limited": bool})
def follow_up(known: bool, psychologist_id: int | None, limited: bool = False) -> dict:
    """The phone line only (/ws/telephony/): whether the code de suivi keyed in the menu is a known one,
    and whose it is (that psychologist is offered first); LIMITED when it was not checked, the
    caller's number having keyed too many wrong codes (ecoute/abuse/limits.py)."""
    return {"type": "follow_up", "known": known, "psychologist_id": psychologist_id, "limited": limited}


@event("feedback.counted", (CALLER,), {})
def feedback_counted() -> dict:
    """The phone line only: the key pressed after the call was counted (the caller hears thanks)."""
    return {"type": "feedback.counted"}


@event("follow_up.proposed", (CALLER,), {"call_id": str, "proposal": str, "at": str})
def follow_up_proposed(call_id, proposal: str, at: str) -> dict:
    """The psychologist proposes a follow-up at AT (ISO 8601): the app asks its caller; agreeing
    spends PROPOSAL (POST /appel/suivi/, ecoute/followup)."""
    return {"type": "follow_up.proposed", "call_id": str(call_id), "proposal": proposal, "at": at}


@event("follow_up.redeemed", (CALLER,), {"psychologist_id": int, "available": bool})
def follow_up_redeemed(psychologist_id: int, available: bool) -> dict:
    """The caller came back with their follow-up link: that psychologist is offered first if AVAILABLE."""
    return {"type": "follow_up.redeemed", "psychologist_id": psychologist_id, "available": available}


# --- The psychologist's workspace ----------------------------------------------------------------


@event(
    "presence.self",
    (WORKSPACE,),
    {
        "status": str,
        "version": int,
        "wrap_up_until": Nullable(str),
        "record_due": bool,
        "remind_at": Nullable(str),
        "debrief_due": bool,
    },
)
def presence_self(
    status: str,
    version: int,
    wrap_up_until: str | None,
    record_due: bool,
    remind_at: str | None,
    debrief_due: bool,
) -> dict:
    return {
        "type": "presence.self",
        "status": status,
        "version": version,
        "wrap_up_until": wrap_up_until,
        "record_due": record_due,
        "remind_at": remind_at,
        "debrief_due": debrief_due,
    }


@event(
    "call.ringing", (WORKSPACE,), {"call_id": str, "returning": bool, "urgent": bool, "phone": bool}, RESUMED
)
def listener_ringing(call_id, returning: bool, urgent: bool, phone: bool) -> dict:
    """A call rings in the workspace: whether this caller has talked with this listener before, whether
    urgent, whether it is a phone call (never anything about the number)."""
    return {
        "type": "call.ringing",
        "call_id": str(call_id),
        "returning": returning,
        "urgent": urgent,
        "phone": phone,
    }


@event("call.cancelled", (WORKSPACE,), {"call_id": str})
def call_cancelled(call_id) -> dict:
    return {"type": "call.cancelled", "call_id": str(call_id)}


@event("call.connected", (WORKSPACE,), {"call_id": str, "ice": ICE, "phone": bool}, RESUMED)
def call_connected(call_id, ice: dict, phone: bool) -> dict:
    return {"type": "call.connected", "call_id": str(call_id), "ice": ice, "phone": phone}


@event("call.joined", (WORKSPACE,), {"call_id": str, "ice": ICE})
def call_joined(call_id, ice: dict) -> dict:
    """The supervisor's own workspace: they are in the call, beside its psychologist."""
    return {"type": "call.joined", "call_id": str(call_id), "ice": ice}


@event("call.supervisor_joined", (WORKSPACE,), {"call_id": str})
def supervisor_joined_listener(call_id) -> dict:
    """The psychologist of the call: a supervisor has joined it."""
    return {"type": "call.supervisor_joined", "call_id": str(call_id)}


@event("signal", (WORKSPACE,), {"call_id": str, "signal": dict})
def signal_to_listener(call_id, signal: dict) -> dict:
    return {"type": "signal", "call_id": str(call_id), "signal": signal}


@event("session.replaced", (WORKSPACE,), {})
def session_replaced() -> dict:
    return {"type": "session.replaced"}


@event("escalation.sent", (WORKSPACE,), {"call_id": str, "kind": OneOf(("help", "transfer", "callback"))})
def escalation_sent(call_id, kind: str) -> dict:
    return {"type": "escalation.sent", "call_id": str(call_id), "kind": kind}


@event("emergency.flagged", (WORKSPACE,), {"call_id": str})
def emergency_flagged(call_id) -> dict:
    return {"type": "emergency.flagged", "call_id": str(call_id)}


@event("debrief.requested", (WORKSPACE,), {})
def debrief_requested() -> dict:
    return {"type": "debrief.requested"}


@event("follow_up.sent", (WORKSPACE,), {"call_id": str, "at": str})
def follow_up_sent(call_id, at: str) -> dict:
    """The follow-up proposal left for the caller's app (their answer is theirs: never told back)."""
    return {"type": "follow_up.sent", "call_id": str(call_id), "at": at}


# --- The supervision board -----------------------------------------------------------------------


@event("alert", (SUPERVISION,), {"alert_id": int, "kind": str, "label": str})
def alert(alert_id: int, kind: str, label: str) -> dict:
    """A new alert (never its reason: health data, and the courier crosses Redis in clear)."""
    return {"type": "alert", "alert_id": alert_id, "kind": str(kind), "label": str(label)}


@event("alert.closed", (SUPERVISION,), {"alert_id": int})
def alert_closed(alert_id: int) -> dict:
    return {"type": "alert.closed", "alert_id": alert_id}


@event("alert.grouped", (SUPERVISION,), {"alert_id": int})
def alert_grouped(alert_id: int) -> dict:
    """An alert joined the open line of its group: the boards redraw it without a new alarm."""
    return {"type": "alert.grouped", "alert_id": alert_id}


@event("coverage.risk", (SUPERVISION,), {"percent": int, "understaffed": bool})
def coverage_risk(percent: int, understaffed: bool) -> dict:
    """The coming hour's risk of waiting moved (ecoute/rota/risk.py): the boards read it again."""
    return {"type": "coverage.risk", "percent": percent, "understaffed": understaffed}


@event("call.blocked", (SUPERVISION,), {"call_id": str, "scope": str, "hours": int, "ended": int})
def call_blocked(call_id, scope: str, hours: int, ended: int) -> dict:
    return {"type": "call.blocked", "call_id": str(call_id), "scope": scope, "hours": hours, "ended": ended}


@event("call.taken", (SUPERVISION,), {"call_id": str})
def call_taken(call_id) -> dict:
    return {"type": "call.taken", "call_id": str(call_id)}


@event("call.called_back", (SUPERVISION,), {"call_id": str})
def call_called_back(call_id) -> dict:
    return {"type": "call.called_back", "call_id": str(call_id)}


@event("call.joining", (SUPERVISION,), {"call_id": str})
def call_joining(call_id) -> dict:
    return {"type": "call.joining", "call_id": str(call_id)}
