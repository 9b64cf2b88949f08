"""Where a request comes from, as a keyed hash that rotates every day: the only trace of an address.

Callers' addresses never enter the application (ecoute.lib.anonymity). Abuse limits (the caller's
socket, staff login) still need something stable per source for a short while. `KeySource`, the
outermost ASGI wrapper, reads the address once:

- the peer of the connection, or, when that peer is one of ECOUTE_TRUSTED_PROXIES, the nearest
  address in X-Forwarded-For that no trusted proxy wrote (anyone can write the rest of that header);
- then puts in the scope an HMAC of it under today's key and under yesterday's, and nothing else.

ForgetClientAddress removes the address itself right after. The keys are random, live in the cache
(Redis when configured, shared by every process) for two days and are then gone: a hash can no
longer be tied to an address, not even by someone holding the database and SECRET_KEY. The hashes
are kept in the cache only (limits, blocks), never in a table or a log.
"""

import datetime
import hashlib
import hmac
import ipaddress
import logging
import secrets

from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.cache import cache

logger = logging.getLogger(__name__)

SCOPE_KEY = "ecoute.source"
PREVIOUS_SCOPE_KEY = "ecoute.source.previous"
KEY_LIFETIME = 2 * 24 * 3600

# A process that cannot reach the cache keeps its own keys: limits then hold per process.
_keys: dict[str, bytes] = {}
# Its own keys while the cache is down: stable, so that a source keeps one hash and its limits hold.
_fallback_keys: dict[str, bytes] = {}


def trusted_proxies() -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    return [ipaddress.ip_network(entry, strict=False) for entry in settings.ECOUTE_TRUSTED_PROXIES]


def _is_trusted(address: str, proxies) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in proxies)


def client_address(scope) -> str:
    """The address of whoever opened the connection, believing only configured proxies."""
    client = scope.get("client")
    peer = client[0] if client else ""
    proxies = trusted_proxies()
    if not peer or not _is_trusted(peer, proxies):
        return peer
    forwarded = [
        value.decode("latin-1")
        for name, value in scope.get("headers", [])
        if name.lower() == b"x-forwarded-for"
    ]
    hops = [hop.strip() for hop in ",".join(forwarded).split(",") if hop.strip()]
    for hop in reversed(hops):
        if not _is_trusted(hop, proxies):
            return hop
    return peer


def day_key(day: datetime.date) -> bytes:
    """The random key of a day: made by the first process that needs it, shared through the cache."""
    name = f"source-key:{day.isoformat()}"
    if name not in _keys:
        try:
            cache.add(name, secrets.token_hex(32), timeout=KEY_LIFETIME)
            _keys[name] = bytes.fromhex(cache.get(name))
        except Exception:  # the cache is down: this process's own key of the day, until it is back
            logger.warning("the cache is unreachable: abuse limits hold per process for now")
            return _fallback_keys.setdefault(name, secrets.token_bytes(32))
        for older in sorted(_keys)[:-2]:  # names sort by day: keep today's and yesterday's
            del _keys[older]
    return _keys[name]


def source_hashes(address: str, today: datetime.date | None = None) -> tuple[str, str]:
    """The address's keyed hash under today's key and under yesterday's."""
    today = today or datetime.datetime.now(datetime.UTC).date()
    return tuple(
        hmac.new(day_key(day), address.encode(), hashlib.sha256).hexdigest()[:32]
        for day in (today, today - datetime.timedelta(days=1))
    )


class KeySource:
    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] in ("http", "websocket"):
            address = client_address(scope)
            if address:
                current, previous = await sync_to_async(source_hashes)(address)
                scope = dict(scope)
                scope[SCOPE_KEY], scope[PREVIOUS_SCOPE_KEY] = current, previous
        await self.app(scope, receive, send)


def source_of(scope) -> str:
    """The current keyed hash of where this request or socket comes from ('' when unknown)."""
    return (scope or {}).get(SCOPE_KEY, "")


def sources_of(scope) -> tuple[str, ...]:
    """Today's and yesterday's hashes, for checks that must outlive the day's rotation (blocks)."""
    scope = scope or {}
    return tuple(value for value in (scope.get(SCOPE_KEY), scope.get(PREVIOUS_SCOPE_KEY)) if value)
