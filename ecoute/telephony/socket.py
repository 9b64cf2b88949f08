"""The media agent's socket: one per phone call, a caller like the app's, on the channel "phone".

Only the agent may open it (a shared secret, ECOUTE_TELEPHONY_SECRET). What the agent knows of the
caller is what the SIP edge passed on: an opaque token and the keyed hash of the calling number
under the edge's key of the day. That hash takes the place of the app's hashed network address for
the abuse limits and the supervisors' blocks; a withheld number gets a source of its own for the call,
linked to nothing.
"""

import hmac
import re
import secrets

from django.conf import settings

from ecoute.calls.consumers import CallerSocket
from ecoute.calls.models import Channel
from ecoute.lib.source import PREVIOUS_SCOPE_KEY, SCOPE_KEY

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
    """A phone caller, spoken for by the media agent (ecoute/telephony/agent.py)."""

    channel = Channel.PHONE
    watches_board = False

    async def connect(self):
        sources = phone_sources(self.scope) if agent_allowed(self.scope) else None
        if sources is None:
            await self.close(code=4403)
            return
        self.scope = {**self.scope, SCOPE_KEY: sources[0], PREVIOUS_SCOPE_KEY: sources[1]}
        await super().connect()
