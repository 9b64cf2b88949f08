"""Limits that keep the line available without identifying anyone: per connection, device key, source.

Per connection: a token bucket in the socket's memory (messages per second with a burst). Per device
key and per source: counters in the cache (Redis when configured, so shared by every process),
keyed by the device key's hash and by the source's daily-rotating keyed hash (ecoute/lib/source.py),
with short lifetimes. Nothing here is written to the database or to a log.

A source's calls are remembered for an hour (their ids under numbered slots, one atomic counter
per source), so that the number of calls it has waiting is read from the calls themselves.
"""

import datetime
import secrets
import time

from django.conf import settings
from django.core.cache import cache

from ecoute.calls.models import Call, CallState

DEVICE_WINDOW = 600
SOURCE_WINDOW = 60
# A source over its limits is held back (its calls placed after every other) this long.
FLOODING_SECONDS = 1800
CALLS_REMEMBERED = 3600
SLOTS_READ = 300  # the most recent calls of a source that count
PROVED_WINDOW = 120  # calls let in on a proof of work are ranked over this many seconds
FREE_CLAIM_WINDOW = 10  # free calls of a source arriving within this many seconds are ranked


class Bucket:
    """A token bucket: RATE tokens a second, at most BURST saved up."""

    def __init__(self, rate: float, burst: int):
        self.rate, self.burst = rate, burst
        self.tokens, self.at = float(burst), time.monotonic()

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.at) * self.rate)
        self.at = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False


def message_bucket() -> Bucket:
    return Bucket(settings.ECOUTE_ABUSE_MESSAGES_PER_SECOND, settings.ECOUTE_ABUSE_MESSAGE_BURST)


def call_bucket() -> Bucket:
    """Calls one connection may place: the device's allowance, in the connection's memory."""
    allowance = settings.ECOUTE_ABUSE_CALLS_PER_DEVICE
    return Bucket(allowance / DEVICE_WINDOW, allowance)


def count(key: str, window: int) -> int:
    """Add one to KEY's count in a fixed window of WINDOW seconds; returns the new count."""
    if cache.add(key, 1, timeout=window):
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=window)
        return 1


def device_over(device_hash: str) -> bool:
    """One more call from this device: is it over ECOUTE_ABUSE_CALLS_PER_DEVICE in 10 minutes?"""
    if not device_hash:
        return False
    return count(f"abuse:device-calls:{device_hash}", DEVICE_WINDOW) > settings.ECOUTE_ABUSE_CALLS_PER_DEVICE


def source_tried(source: str) -> None:
    """One more call tried from SOURCE; beyond ECOUTE_ABUSE_CALLS_PER_SOURCE a minute it is held back."""
    if (
        source
        and count(f"abuse:source-calls:{source}", SOURCE_WINDOW) > settings.ECOUTE_ABUSE_CALLS_PER_SOURCE
    ):
        hold_back(source)


def hold_back(source: str) -> None:
    """SOURCE floods the line: its calls, waiting now and to come, go after everyone else's."""
    if source and cache.add(f"abuse:flooding:{source}", 1, timeout=FLOODING_SECONDS):
        Call.objects.filter(pk__in=calls_of(source), state=CallState.REQUESTED).update(held_back=True)


def hold_back_if_flooding(source: str, call_id) -> None:
    """Right after a call from SOURCE is stored: held back if the source was found flooding meanwhile.

    Closes a race with hold_back: a source found flooding between this call's gate and its row
    being written would otherwise leave it ahead of everyone. Either hold_back's sweep finds the
    stored row, or this check finds the flag it set first.
    """
    if is_flooding(source):
        Call.objects.filter(pk=call_id, state=CallState.REQUESTED).update(held_back=True)


def is_flooding(source: str) -> bool:
    return bool(source) and cache.get(f"abuse:flooding:{source}") is not None


def socket_opened(source: str) -> bool:
    """One more socket open from SOURCE: False when it has too many (then it is held back too).

    The count is approximate by design (it starts again every 10 minutes): it may only undercount,
    never shut out a busy network for long.
    """
    if not source:
        return True
    if count(f"abuse:sockets:{source}", DEVICE_WINDOW) > settings.ECOUTE_ABUSE_SOCKETS_PER_SOURCE:
        hold_back(source)
        return False
    return True


def socket_closed(source: str) -> None:
    if source:
        try:
            cache.decr(f"abuse:sockets:{source}")
        except ValueError:
            pass  # the window started again meanwhile


# --- A source's calls ----------------------------------------------------------------------------


def remember_call(source: str, call_id) -> None:
    """Note CALL_ID as one of SOURCE's calls, for an hour (cache only)."""
    if not source:
        return
    slot = count(f"abuse:call-slots:{source}", CALLS_REMEMBERED)
    cache.set_many(
        {f"abuse:call-slot:{source}:{slot}": str(call_id), f"abuse:call-source:{call_id}": source},
        timeout=CALLS_REMEMBERED,
    )


def calls_of(source: str) -> list[str]:
    """The ids of SOURCE's most recent calls (an hour at most)."""
    last = cache.get(f"abuse:call-slots:{source}") or 0
    keys = [f"abuse:call-slot:{source}:{slot}" for slot in range(max(1, last - SLOTS_READ + 1), last + 1)]
    return list(cache.get_many(keys).values()) if keys else []


def source_of_call(call_id) -> str | None:
    return cache.get(f"abuse:call-source:{call_id}")


def waiting_from(source: str) -> int:
    """How many calls from SOURCE are waiting or ringing now (read from the calls themselves)."""
    ids = calls_of(source) if source else []
    if not ids:
        return 0
    return Call.objects.filter(pk__in=ids, state__in=[CallState.REQUESTED, CallState.RINGING]).count()


# --- Counted apart from the service figures ----------------------------------------------------


def refused(today: datetime.date | None = None) -> None:
    """One call refused as abuse today (over a limit, blocked): counted apart, never a call row."""
    count(f"abuse:refused:{(today or datetime.date.today()).isoformat()}", 2 * 24 * 3600)


def refused_today(today: datetime.date | None = None) -> int:
    return cache.get(f"abuse:refused:{(today or datetime.date.today()).isoformat()}") or 0


def danger_marked(source: str) -> str:
    """A caller from SOURCE said they are in danger: the alert's group marker.

    Beyond ECOUTE_ABUSE_DANGER_PER_SOURCE marks in ten minutes, the source is held back: its calls
    still go before its own others, but after everyone else's (a script marking every call "danger").
    """
    if source and count(f"abuse:danger:{source}", DEVICE_WINDOW) > settings.ECOUTE_ABUSE_DANGER_PER_SOURCE:
        hold_back(source)
    return alert_group(source)


def alert_group(source: str) -> str:
    """A random marker shared by the danger alerts of one source while they keep coming (never the hash)."""
    if not source:
        return ""
    key = f"abuse:alert-group:{source}"
    window = settings.ECOUTE_ABUSE_ALERT_GROUP_SECONDS
    if cache.add(key, secrets.token_hex(8), timeout=window):
        return cache.get(key)
    group = cache.get(key)
    cache.touch(key, window)
    return group or alert_group(source)
