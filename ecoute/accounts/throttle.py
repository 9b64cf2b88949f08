"""Failed staff logins slow their source down and make the account ask for both factors at once.

A throttle must not become a weapon: an attacker hammering an account must not lock its owner out.

- Per source (a keyed hash of the address, ecoute.lib.source): after ECOUTE_LOGIN_FAILURES_PER_ADDRESS
  failures in the window, each further attempt from it waits 1 s, 2 s, 4 s… up to
  ECOUTE_LOGIN_DELAY_CAP_SECONDS; one attempt per delay is checked, the others are answered "try again
  in N s" at once, without holding a worker.
- Per account: after ECOUTE_LOGIN_FAILURES_PER_ACCOUNT failures, a password alone is no longer checked;
  the login takes the password and the second factor together, and says nothing about either unless
  both are right. The owner still gets in; a guesser learns nothing from a password alone.

Counts live in the cache (Redis when configured). If the cache fails, each process keeps its own
counts for as long as it does: logins go on, the limits hold per process (docs/staff-login.md).
"""

import hashlib
import logging
import math
import time

from django.conf import settings
from django.core.cache import cache
from django.core.cache.backends.locmem import LocMemCache

from ecoute.lib.source import source_of

logger = logging.getLogger(__name__)
# This process's own counts, used only while the shared cache does not answer.
_local = LocMemCache("ecoute-login-throttle", {"MAX_ENTRIES": 10000})


def _call(method: str, *args, **kwargs):
    try:
        return getattr(cache, method)(*args, **kwargs)
    except ValueError:  # incr of a missing key: an answer, not an outage
        raise
    except Exception:  # the cache is down: never a failed login page, limits per process meanwhile
        logger.warning("login throttling: the cache does not answer, counting in this process")
        return getattr(_local, method)(*args, **kwargs)


def address_key(request) -> str:
    return source_of(getattr(request, "scope", None))


def _account(username: str) -> str:
    return "account:" + hashlib.sha256(username.strip().lower().encode()).hexdigest()


def _failures(name: str) -> int:
    return _call("get", f"login-failures:{name}") or 0


def delay_after(failures: int, free: int) -> int:
    """Seconds before the next attempt once FAILURES are counted, FREE of them without any delay."""
    if failures < free:
        return 0
    return min(2 ** min(failures - free, 30), settings.ECOUTE_LOGIN_DELAY_CAP_SECONDS)


def source_wait(source: str) -> int:
    """0 when an attempt from SOURCE may be checked now (it takes the slot), else the seconds to wait."""
    if not source:
        return 0
    name = f"source:{source}"
    delay = delay_after(_failures(name), settings.ECOUTE_LOGIN_FAILURES_PER_ADDRESS)
    if not delay:
        return 0
    gate = f"login-gate:{name}"
    # add() is atomic: of many attempts at once, exactly one takes the slot.
    if _call("add", gate, time.time() + delay, timeout=delay):
        return 0
    until = _call("get", gate) or time.time() + 1
    return max(1, math.ceil(until - time.time()))


def account_slowed(username: str) -> bool:
    """Whether USERNAME's login now needs the password and the second factor together."""
    return _failures(_account(username)) >= settings.ECOUTE_LOGIN_FAILURES_PER_ACCOUNT


def failed(username: str, source: str) -> list[str]:
    """Count a failure; returns what this failure just slowed down ("account", "source"), for the journal."""
    slowed = []
    for kind, name, free in (
        ("account", _account(username), settings.ECOUTE_LOGIN_FAILURES_PER_ACCOUNT),
        ("source", f"source:{source}" if source else "", settings.ECOUTE_LOGIN_FAILURES_PER_ADDRESS),
    ):
        if name and _count(f"login-failures:{name}") == free:
            slowed.append(kind)
    return slowed


def _count(key: str) -> int:
    if _call("add", key, 1, timeout=settings.ECOUTE_LOGIN_WINDOW_SECONDS):
        return 1
    try:
        return _call("incr", key)
    except ValueError:  # expired between add and incr
        _call("add", key, 1, timeout=settings.ECOUTE_LOGIN_WINDOW_SECONDS)
        return 1


def succeeded(username: str) -> None:
    """A full login (password and second factor) clears the account's count, not the source's."""
    _call("delete", f"login-failures:{_account(username)}")
