"""Failed staff logins, counted per account and per address, in the cache only.

The address is never seen here: ecoute.lib.source puts a keyed, daily-rotating hash of it in the
request scope before the address is stripped (see docs/staff-login.md).
"""

import hashlib

from django.conf import settings
from django.core.cache import cache

from ecoute.lib.source import source_of


def address_key(request) -> str:
    return source_of(getattr(request, "scope", None))


def _keys(username: str, address: str) -> list[tuple[str, int]]:
    account = hashlib.sha256(username.strip().lower().encode()).hexdigest()
    keys = [(f"login-failures:account:{account}", settings.ECOUTE_LOGIN_FAILURES_PER_ACCOUNT)]
    if address:
        keys.append((f"login-failures:address:{address}", settings.ECOUTE_LOGIN_FAILURES_PER_ADDRESS))
    return keys


def blocked(username: str, address: str) -> bool:
    return any((cache.get(key) or 0) >= limit for key, limit in _keys(username, address))


def failed(username: str, address: str) -> None:
    for key, _limit in _keys(username, address):
        if cache.add(key, 1, timeout=settings.ECOUTE_LOGIN_WINDOW_SECONDS):
            continue
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.add(key, 1, timeout=settings.ECOUTE_LOGIN_WINDOW_SECONDS)


def succeeded(username: str) -> None:
    """A full login (password and second factor) clears the account's count, not the address's."""
    cache.delete(_keys(username, "")[0][0])
