"""The media agent's socket: one per phone call, a caller like the app's, on the channel "phone".

Only the agent may open it (a shared secret, ECOUTE_TELEPHONY_SECRET). What the agent knows of the
caller is what the SIP edge passed on: an opaque token and the keyed hash of the calling number
under the edge's key of the day. That hash takes the place of the app's hashed network address for
the abuse limits and the supervisors' blocks; a withheld number gets a source of its own for the call,
linked to nothing.
"""

import asyncio
import hmac
import re
import secrets
import uuid

from channels.db import database_sync_to_async
from django.conf import settings
from django.utils.translation import gettext

from ecoute.abuse import limits
from ecoute.calls import actions
from ecoute.calls.consumers import CallerSocket
from ecoute.calls.ice import ice_configuration
from ecoute.calls.models import Channel, EndReason
from ecoute.feedback import counting
from ecoute.lib.source import PREVIOUS_SCOPE_KEY, SCOPE_KEY
from ecoute.protocol import events, messages
from ecoute.protocol.messages import MessageError

from . import follow_up

SECRET_HEADER = b"x-ecoute-telephony-secret"
SOURCE_HEADER = b"x-ecoute-source"
PREVIOUS_SOURCE_HEADER = b"x-ecoute-source-previous"
_HASH = re.compile(r"^[0-9a-f]{64}$")
WITHHELD = "withheld"


def _header(scope, name: bytes) -> str:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return value.decode("latin-1")
    return ""


def agent_allowed(scope) -> bool:
    secret = settings.ECOUTE_TELEPHONY_SECRET
    given = _header(scope, SECRET_HEADER)
    return bool(secret) and hmac.compare_digest(given.encode(), secret.encode())


def phone_sources(scope) -> tuple[str, str] | None:
    """The call's sources for the abuse limits, from the edge's hashes; None when they are malformed."""
    current, previous = _header(scope, SOURCE_HEADER), _header(scope, PREVIOUS_SOURCE_HEADER)
    if current == WITHHELD:
        own = "phone-withheld:" + secrets.token_hex(16)
        return own, own
    if not _HASH.match(current) or not _HASH.match(previous or current):
        return None
    # Under their own prefix: a phone number's hash never meets an address's.
    return "phone:" + current[:32], "phone:" + (previous or current)[:32]


class PhoneSocket(CallerSocket):
    """A phone caller, spoken for by the media agent (ecoute/telephony/agent.py).

    A phone has no device key: the agent draws a random one per call. A caller who keys a code de
    suivi in the menu is linked to the call the code was given on instead (follow_up.py), and is
    offered to that psychologist first, as the app's returning callers are.
    """

    accepted = messages.PHONE
    channel = Channel.PHONE
    watches_board = False
    given_code = None  # the code de suivi keyed in the menu, when it is a known one
    left_menu = False  # the caller hung up in the menu: that abandoned call is recorded

    async def on_hello(self, message):
        code = message["follow_up_code"]
        tried = None
        if code is not None:
            if self.caller.key:  # one code per call: the menu is not a way to try codes in a row
                raise MessageError("bad_message", gettext("Un seul code de suivi par appel."))
            tried = await self._try_code(code)
            self.given_code = tried.found
        await super().on_hello(message)
        if tried is not None:
            psychologist_id = self.given_code.psychologist_id if self.given_code else None
            await self.send_event(events.follow_up(bool(self.given_code), psychologist_id, tried.limited))

    async def _try_code(self, code: str) -> follow_up.Attempt:
        """The code, checked within the limits; during a burst of wrong codes, only after a pause."""
        if await database_sync_to_async(limits.follow_up_slowed)():
            await asyncio.sleep(settings.ECOUTE_FOLLOW_UP_BURST_PAUSE)
        return await database_sync_to_async(follow_up.attempt)(code, self.source)

    async def on_menu_left(self, message):
        """The caller put the phone down in the voice menu: an abandoned call, counted, linked to nothing."""
        if self.caller.call_id or self.left_menu:
            raise MessageError("already_in_call", gettext("Cet appel est déjà enregistré."))
        call_id = uuid.uuid4()
        await database_sync_to_async(actions.left_in_menu)(call_id, message["seconds"])
        self.left_menu = True
        await self.send_event(events.call_ended(call_id, EndReason.LEFT_IN_MENU))

    async def on_queue_supervisor(self, message):
        """The waiting caller pressed the key to reach a supervisor (offered after a long wait)."""
        self._require_waiting(message)
        await database_sync_to_async(actions.ask_for_supervisor)(self.caller.call_id)
        await self.send_event(events.queue_supervisors_alerted(self.caller.call_id))

    async def on_feedback_give(self, message):
        """The key the caller pressed after the psychologist hung up: counted on the phone channel,
        linked to no call (the ticket of the call's end is spent; a second answer is refused)."""
        ticket, helped = message["ticket"], message["helped"]
        if not await database_sync_to_async(counting.spend_and_count)(ticket, Channel.PHONE, helped):
            raise MessageError(
                "feedback_refused", gettext("Ce retour a déjà été donné, ou l’appel est trop ancien.")
            )
        await self.send_event(events.feedback_counted())

    async def before_relay(self, event):
        await super().before_relay(event)
        if event["type"] == "call.ringing":
            # The agent's ICE servers with the ring, not only with the accept: it gathers its relay
            # candidate and prepares its offer meanwhile (bench/phone_bridge.py: accept → audio).
            event.update(
                events.caller_ringing(
                    event["call_id"],
                    event["psychologist_id"],
                    event.get("by_supervisor", False),
                    ice=ice_configuration(),
                )
            )

    def caller_key_hash(self) -> str:
        if self.given_code is not None:
            return self.given_code.caller_key_hash
        return super().caller_key_hash()

    async def connect(self):
        sources = phone_sources(self.scope) if agent_allowed(self.scope) else None
        if sources is None:
            await self.close(code=4403)
            return
        self.scope = {**self.scope, SCOPE_KEY: sources[0], PREVIOUS_SCOPE_KEY: sources[1]}
        await super().connect()
