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
    """Add one to KEY's count in a fixed window of WINDOW seconds; returns the new count.

    One round trip on Redis (every call passes several of these counts: docs/performance.md);
    the same with the add-then-increment of any other cache (a run without Redis)."""
    if hasattr(cache, "count_each_in_window"):
        return cache.count_each_in_window([key], window)[0]
    if cache.add(key, 1, timeout=window):
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=window)
        return 1


def count_each(keys: list[str], window: int) -> list[int]:
    """count() of each of KEYS (a key may come twice: it is counted twice), in one round trip on Redis."""
    if not keys:
        return []
    if hasattr(cache, "count_each_in_window"):
        return cache.count_each_in_window(keys, window)
    return [count(key, window) for key in keys]


def device_over(device_hash: str) -> bool:
    """One more call from this device: is it over ECOUTE_ABUSE_CALLS_PER_DEVICE in 10 minutes?"""
    return devices_over([device_hash])[0]


def devices_over(device_hashes: list[str]) -> list[bool]:
    """device_over() of each (a device may come twice: it is counted twice), in one round trip."""
    counted = [device for device in device_hashes if device]
    counts = iter(count_each([f"abuse:device-calls:{device}" for device in counted], DEVICE_WINDOW))
    return [
        bool(device) and next(counts) > settings.ECOUTE_ABUSE_CALLS_PER_DEVICE for device in device_hashes
    ]


def source_tried(source: str) -> None:
    """One more call tried from SOURCE; beyond ECOUTE_ABUSE_CALLS_PER_SOURCE a minute it is held back."""
    sources_tried([source])


def sources_tried(sources: list[str]) -> None:
    """source_tried() of each, the counts in one round trip."""
    counted = [source for source in sources if source]
    counts = count_each([f"abuse:source-calls:{source}" for source in counted], SOURCE_WINDOW)
    for source in {
        source for source, n in zip(counted, counts) if n > settings.ECOUTE_ABUSE_CALLS_PER_SOURCE
    }:
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
    held_back_if_flooding([(source, call_id)])


def held_back_if_flooding(calls: list[tuple[str, object]]) -> None:
    """hold_back_if_flooding() of each (source, call id): one read, and one UPDATE if any floods."""
    flooding = are_flooding([source for source, _ in calls])
    flooded = [call_id for (_, call_id), floods in zip(calls, flooding) if floods]
    if flooded:
        Call.objects.filter(pk__in=flooded, state=CallState.REQUESTED).update(held_back=True)


def is_flooding(source: str) -> bool:
    return are_flooding([source])[0]


def are_flooding(sources: list[str]) -> list[bool]:
    """is_flooding() of each, in one read."""
    found = cache.get_many([f"abuse:flooding:{source}" for source in set(sources) if source])
    return [f"abuse:flooding:{source}" in found for source in sources]


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
    if not source:
        return
    if hasattr(cache, "uncount"):  # Redis: one round trip
        cache.uncount(f"abuse:sockets:{source}")
        return
    try:
        cache.decr(f"abuse:sockets:{source}")
    except ValueError:
        pass  # the window started again meanwhile


# --- A source's calls ----------------------------------------------------------------------------


def remember_call(source: str, call_id) -> None:
    """Note CALL_ID as one of SOURCE's calls, for an hour (cache only)."""
    remember_calls([(source, call_id)])


def remember_calls(calls: list[tuple[str, object]]) -> None:
    """remember_call() of each (source, call id), in two round trips."""
    calls = [(source, call_id) for source, call_id in calls if source]
    slots = count_each([f"abuse:call-slots:{source}" for source, _ in calls], CALLS_REMEMBERED)
    remembered = {}
    for (source, call_id), slot in zip(calls, slots):
        remembered[f"abuse:call-slot:{source}:{slot}"] = str(call_id)
        remembered[f"abuse:call-source:{call_id}"] = source
    if remembered:
        cache.set_many(remembered, timeout=CALLS_REMEMBERED)


def calls_of(source: str) -> list[str]:
    """The ids of SOURCE's most recent calls (an hour at most)."""
    return calls_of_each([source])[source] if source else []


def calls_of_each(sources: list[str]) -> dict[str, list[str]]:
    """calls_of() of each source, in two reads whatever their number."""
    sources = list({source for source in sources if source})
    lasts = cache.get_many([f"abuse:call-slots:{source}" for source in sources])
    keys = {
        source: [
            f"abuse:call-slot:{source}:{slot}" for slot in range(max(1, last - SLOTS_READ + 1), last + 1)
        ]
        for source in sources
        if (last := lasts.get(f"abuse:call-slots:{source}") or 0)
    }
    found = cache.get_many([key for source_keys in keys.values() for key in source_keys]) if keys else {}
    return {source: [found[key] for key in keys.get(source, ()) if key in found] for source in sources}


def source_of_call(call_id) -> str | None:
    return cache.get(f"abuse:call-source:{call_id}")


def waiting_from(source: str) -> int:
    """How many calls from SOURCE are waiting or ringing now (read from the calls themselves)."""
    return waiting_from_each([source])[0]


def waiting_from_each(sources: list[str]) -> list[int]:
    """waiting_from() of each source: two reads of the cache and at most one query, whatever their number."""
    ids = calls_of_each(sources)
    every_id = {call_id for source_ids in ids.values() for call_id in source_ids}
    if not every_id:
        return [0] * len(sources)
    active = Call.objects.filter(pk__in=every_id, state__in=[CallState.REQUESTED, CallState.RINGING])
    waiting = {str(call_id) for call_id in active.values_list("pk", flat=True)}
    return [sum(1 for call_id in ids.get(source, ()) if call_id in waiting) for source in sources]


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


# --- Codes de suivi (the phone line) ----------------------------------------------------------
# Six digits keyed in the menu find a caller's psychologist again (ecoute/telephony/follow_up.py).
# Guessing one is slowed per calling number (its keyed hash, the call's source) and line-wide,
# counting wrong codes only, in the cache: nothing says which number tried what.
FOLLOW_UP_NUMBER_WINDOW = 86400  # a day: the edge's hash of a number changes every day anyway
FOLLOW_UP_BURST_WINDOW = 600
_FOLLOW_UP_BURST = "abuse:follow-up-burst"


def follow_up_allowed(source: str) -> bool:
    """May SOURCE try a code now? Not once it keyed ECOUTE_FOLLOW_UP_WRONG_PER_NUMBER wrong codes today."""
    if not source:
        return True
    wrong = cache.get(f"abuse:follow-up-wrong:{source}") or 0
    return wrong < settings.ECOUTE_FOLLOW_UP_WRONG_PER_NUMBER


def follow_up_wrong(source: str) -> bool:
    """SOURCE keyed a wrong code: counted for it and line-wide. True when this wrong code starts a
    burst (more than ECOUTE_FOLLOW_UP_WRONG_BURST in 10 minutes across every source): the caller
    raises the supervisors' alert, once per burst."""
    if source:
        count(f"abuse:follow-up-wrong:{source}", FOLLOW_UP_NUMBER_WINDOW)
    line_wide = count("abuse:follow-up-wrong", FOLLOW_UP_BURST_WINDOW)
    if line_wide <= settings.ECOUTE_FOLLOW_UP_WRONG_BURST:
        return False
    return cache.add(_FOLLOW_UP_BURST, 1, timeout=FOLLOW_UP_BURST_WINDOW)


def follow_up_slowed() -> bool:
    """Is a burst of wrong codes going on (every code is then checked only after a pause)?"""
    return cache.get(_FOLLOW_UP_BURST) is not None
