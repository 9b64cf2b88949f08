"""Every message a client may send on each socket of the line, and the one check of its fields.

A socket lists the messages it accepts (CALLER, WORKSPACE, SUPERVISION below: type -> fields);
ecoute/lib/sockets.py parses each frame, refuses an unknown type, and hands the handler the
message cleaned here: identifiers as UUIDs and ints, optional fields present (their default when
not sent), undeclared fields dropped. A wrong field is a MessageError ("bad_message" unless said otherwise),
sent back as an error event; nothing changes. What needs the database or the call's state (is this
the caller's call, does anyone speak this language) is the handler's to check, and so is the
content of a WebRTC signal (ecoute/calls/signalling.py) and of a block (ecoute/abuse/blocks.py).
"""

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.utils.translation import gettext

from ecoute.calls import device_key

MAX_ID = 2**31 - 1  # an identifier the database can compare (PostgreSQL's integer)
MAX_REASON = 500


class MessageError(Exception):
    """An incoming message that cannot be acted on; sent back as an error event, nothing changes."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Field:
    """How one field is checked: CHECK(value, name) returns the clean value or raises MessageError."""

    check: Callable[[object, str], object]
    required: bool = True
    default: object = None


def optional(check: Callable[[object, str], object], default=None) -> Field:
    """A field that may be left out or null: then DEFAULT."""
    return Field(check, required=False, default=default)


# --- Checks ----------------------------------------------------------------------------------------


def call_id(value, name: str) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise MessageError(
            "bad_message", gettext("« %(field)s » doit être un identifiant d'appel.") % {"field": name}
        ) from None


def positive_int(value, name: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 < value <= MAX_ID:
        raise MessageError(
            "bad_message", gettext("« %(field)s » doit être un nombre entier positif.") % {"field": name}
        )
    return value


def anything(value, name: str):
    return value


def caller_key(value, name: str) -> str:
    if not device_key.well_formed(value):
        raise MessageError("bad_message", gettext("Clé d'appelant invalide."))
    return value


def follow_up_code(value, name: str) -> str:
    """The digits keyed in the phone menu, as keyed; whether they are a code is ecoute/telephony's to say."""
    if not isinstance(value, str) or len(value) > 16:
        raise MessageError("bad_message", gettext("« follow_up_code » doit être une suite de chiffres."))
    return value


def moment(value, name: str) -> datetime:
    """A date and time in ISO 8601 with its offset (the browser's toISOString())."""
    try:
        parsed = datetime.fromisoformat(value) if isinstance(value, str) and len(value) <= 40 else None
    except ValueError:
        parsed = None
    if parsed is None or parsed.tzinfo is None:
        raise MessageError(
            "bad_message",
            gettext("« %(field)s » doit être une date et une heure ISO 8601 avec son fuseau.")
            % {"field": name},
        )
    return parsed


def follow_up_token(value, name: str) -> str:
    """The token of a follow-up link, as the app read it; whether it is a live one is ecoute/followup's to say."""
    if not isinstance(value, str) or len(value) > 128:
        raise MessageError("bad_message", gettext("« token » doit être le texte du lien de suivi."))
    return value


MAX_MENU_SECONDS = 600  # the menu lasts under a minute; anything longer is not a menu


def seconds_in_menu(value, name: str) -> float:
    """How long a phone caller was in the voice menu before hanging up, in seconds."""
    if not isinstance(value, int | float) or isinstance(value, bool) or not 0 <= value <= MAX_MENU_SECONDS:
        raise MessageError(
            "bad_message",
            gettext("« %(field)s » doit être un nombre de secondes entre 0 et %(most)d.")
            % {"field": name, "most": MAX_MENU_SECONDS},
        )
    return float(value)


def language_code(value, name: str) -> str | None:
    if value == "":
        return None
    if not isinstance(value, str) or len(value) > 8:
        raise MessageError("bad_message", gettext("« language » doit être un code de langue."))
    return value


def status(value, name: str) -> str:
    if not isinstance(value, str):
        raise MessageError("bad_message", gettext("« status » manquant."))
    return value


def escalation_kind(value, name: str) -> str:
    if value not in ("help", "transfer", "callback"):
        raise MessageError("bad_message", gettext("« kind » doit être help, transfer ou callback."))
    return value


def reason(value, name: str) -> str:
    """A few words for the supervisors, stripped."""
    if not isinstance(value, str) or len(value) > MAX_REASON:
        raise MessageError("bad_message", gettext("« reason » doit être un texte de 500 caractères au plus."))
    return value.strip()


def required_reason(value, name: str) -> str:
    text = reason(value, name)
    if not text:
        raise MessageError("reason_required", gettext("Indiquez en quelques mots ce qui se passe."))
    return text


def feedback_ticket(value, name: str) -> str:
    if not isinstance(value, str) or not 20 <= len(value) <= 64:
        raise MessageError("bad_message", gettext("« ticket » doit être le ticket reçu à la fin de l'appel."))
    return value


def helped(value, name: str) -> str:
    from ecoute.feedback.models import Helped  # a model: imported once the apps are loaded

    if value not in Helped.values:
        raise MessageError("bad_message", gettext("« helped » doit être yes, partly ou no."))
    return value


def wrong_recipient() -> MessageError:
    """A caller's signal for someone other than the psychologist or the supervisor who joined the call."""
    return MessageError(
        "bad_message", gettext("« to » doit désigner le psychologue ou le cadre qui a rejoint l'appel.")
    )


def recipient(value, name: str) -> str:
    if value not in ("psychologist", "supervisor"):
        raise wrong_recipient()
    return value


# --- What each socket accepts (docs/protocol.md) ------------------------------------------------

CALLER = {
    "hello": {"caller_key": Field(caller_key)},
    "call.request": {"psychologist_id": Field(positive_int), "proof": optional(anything)},
    "call.hangup": {"call_id": Field(call_id)},
    # The signal's content is cleaned by ecoute/calls/signalling.py once the call is known connected.
    "signal": {
        "call_id": Field(call_id),
        "signal": optional(anything),
        "to": optional(recipient, default="psychologist"),
    },
    "queue.join": {
        "call_id": optional(call_id),
        "language": optional(language_code),
        "psychologist_id": optional(positive_int),
        "proof": optional(anything),
    },
    "queue.urgent": {"call_id": Field(call_id)},
    "queue.anyone": {"call_id": Field(call_id)},
    "call.resume": {"call_id": Field(call_id)},
    "heartbeat": {},
    # Back with a follow-up link (ecoute/followup): its token, spent by this message.
    "follow_up.redeem": {"token": Field(follow_up_token)},
}

# The phone line's media agent (/ws/telephony/): the caller's messages, and in hello the code de
# suivi the caller keyed in the menu, if any; a caller who hung up in the menu (menu.left); a
# waiting caller who pressed the key to reach a supervisor (queue.supervisor).
PHONE = {
    **{name: fields for name, fields in CALLER.items() if name != "follow_up.redeem"},
    "hello": {"caller_key": Field(caller_key), "follow_up_code": optional(follow_up_code)},
    "menu.left": {"seconds": Field(seconds_in_menu)},
    "queue.supervisor": {"call_id": Field(call_id)},
    # After the psychologist hung up: the key the caller pressed, as the app's answer, with the
    # ticket of the call's end (ecoute/feedback).
    "feedback.give": {"ticket": Field(feedback_ticket), "helped": Field(helped)},
}

WORKSPACE = {
    "status.set": {"status": Field(status)},
    "call.accept": {"call_id": Field(call_id)},
    "call.decline": {"call_id": Field(call_id)},
    "call.hangup": {"call_id": Field(call_id)},
    "signal": {"call_id": Field(call_id), "signal": optional(anything)},
    "heartbeat": {},
    "call.escalate": {
        "call_id": Field(call_id),
        "kind": Field(escalation_kind),
        "reason": optional(reason, default=""),
    },
    "call.emergency": {"call_id": Field(call_id), "reason": Field(required_reason)},
    "debrief.request": {},
    "debrief.dismiss": {},
    "call.hand_over": {"call_id": Field(call_id)},
    "follow_up.propose": {"call_id": Field(call_id), "at": Field(moment)},
}

SUPERVISION = {
    "alert.take": {"alert_id": Field(positive_int)},
    "call.take": {"call_id": Field(call_id)},
    "call.call_back": {"call_id": Field(call_id)},
    "call.join": {"call_id": Field(call_id)},
    # The scope and the length of a block are the block's own rules (ecoute/abuse/blocks.py).
    "call.block": {"call_id": Field(call_id), "scope": optional(anything), "hours": optional(anything)},
}


def clean(accepted: dict[str, dict[str, Field]], message: dict) -> dict:
    """MESSAGE (a dict with a string "type") checked against what its socket ACCEPTED, cleaned."""
    fields = accepted.get(message["type"])
    if fields is None:
        raise MessageError(
            "unknown_type", gettext("Type de message inconnu : %(type)r.") % {"type": message["type"][:40]}
        )
    cleaned = {"type": message["type"]}
    for name, field in fields.items():
        value = message.get(name)
        if value is None and not field.required:
            cleaned[name] = field.default
        else:
            cleaned[name] = field.check(value, name)
    return cleaned
