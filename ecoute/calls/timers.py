"""What happens when time passes: rings nobody answers, silent workspaces, finished wrap-ups.

Every server process offers to run run_due_timers() about once a second, and one of them does:
the pass changes the line (the database), not a process's own sockets, so one a second is enough.
The first process to claim the pass in the cache runs it and the others skip it until PASS_CLAIM_MS
are over; four processes made four passes a second, each holding its process's database thread
for tens of milliseconds, in a surge of callers too (docs/performance.md). Any living process
claims the next pass, so a process that dies takes none with it. Without the claim (Redis
unreachable, or the demo's in-memory cache in its one process) every process runs it: each step is a
conditional, idempotent action, so several processes doing it at the same time change each thing once.

A pass judges time as it was when the pass fell due, not when it runs: a process does its database
work in one thread, in arrival order, and on a busy machine that thread falls seconds behind. An
answer or a heartbeat that reached the process in time waits in that queue ahead of the pass, and
is counted as in time. Judged by the clock of the late thread instead, every ring whose answer was
queued longer than ECOUTE_RING_TIMEOUT counted as missed and put its listener on break; each miss
made more work, so the line fell further behind and stopped answering anyone while every listener
was there (a congestion collapse, seen under CPU contention in tests/calls/test_line_under_load.py).
"""

import asyncio
import logging
import time
from datetime import datetime, timedelta

from channels.db import database_sync_to_async
from django.conf import settings
from django.core.cache import cache

from ecoute.lib import clock
from ecoute.lib.channel_layer import redis_unreachable
from ecoute.presence import actions as presence
from ecoute.presence import history as presence_history
from ecoute.presence.models import Status

from . import actions, router
from .actions import CallError
from .models import Call, CallState, EndReason, Ring, RingOutcome
from .supervision import alerts

logger = logging.getLogger(__name__)
TICK_SECONDS = 1.0
# A pass that starts this late says so (at most once per LATE_WARNING_EVERY seconds): the process
# cannot keep up with its database work.
LATE_WARNING_SECONDS = 2.0
LATE_WARNING_EVERY = 30.0
_warned_at = -LATE_WARNING_EVERY
# Under TICK_SECONDS, so that the process that ran a pass may claim the next one a tick later.
PASS_CLAIM_MS = 900
PASS_CLAIM_KEY = "timers:pass"


def run_due_timers(now: datetime | None = None) -> None:
    now = now or clock.now()
    miss_unanswered_rings(now)
    release_silent_psychologists(now)
    abandon_vanished_callers(now)
    presence.end_due_wrap_ups(now)
    # Whatever happened above, or in a process that died, the waiting calls are placed again.
    router.route_waiting()
    alerts.raise_due_alerts(now)
    presence_history.note_this_minute(now)  # the rota's coverage compares it with the plan


def miss_unanswered_rings(now: datetime) -> None:
    cutoff = now - timedelta(seconds=settings.ECOUTE_RING_TIMEOUT)
    # While Redis is unreachable a ring may never have reached a workspace served by another process:
    # its psychologist stays available instead of being put on break for it (the heartbeats, which
    # do not need Redis, still show who is really gone). Otherwise an outage would empty the line.
    after = Status.AVAILABLE if redis_unreachable() else Status.BREAK
    for call_id, psychologist_id in Ring.objects.filter(
        outcome=RingOutcome.RINGING, started_at__lte=cutoff
    ).values_list("call_id", "psychologist_id"):
        try:
            actions.miss(call_id, psychologist_id, presence_after=after)
        except CallError:
            pass  # answered, declined or cancelled meanwhile, or handled by another process


def abandon_vanished_callers(now: datetime) -> None:
    """A call still waiting or ringing whose caller's app went silent (its server process died with it)."""
    limit = now - timedelta(seconds=settings.ECOUTE_CALLER_TIMEOUT)
    vanished = Call.objects.filter(
        state__in=[CallState.REQUESTED, CallState.RINGING], caller_seen_at__lt=limit
    )
    for call_id in vanished.values_list("pk", flat=True):
        try:
            actions.caller_leaves(call_id, EndReason.CALLER_LOST)
        except CallError:
            pass  # answered or ended meanwhile


def release_silent_psychologists(now: datetime) -> None:
    for user_id in presence.stale_user_ids(now):
        actions.release_psychologist(user_id)


def claim_the_pass() -> bool:
    """Whether this process runs this second's pass: the first to claim it (see the module's docstring)."""
    claim = getattr(cache, "claim", None)  # the Redis cache's (ecoute/lib/cache.py)
    return claim is None or claim(PASS_CLAIM_KEY, PASS_CLAIM_MS)


def _run_when_due(due: datetime, queued_at: float) -> None:
    """Run the pass that fell due at DUE (queued at QUEUED_AT, monotonic) if this process claims it,
    saying so if it starts late."""
    global _warned_at
    late = time.monotonic() - queued_at
    if late >= LATE_WARNING_SECONDS and time.monotonic() - _warned_at >= LATE_WARNING_EVERY:
        _warned_at = time.monotonic()
        logger.warning(
            "the timers started %.1f s late: this process's database work is queued behind "
            "(overloaded machine?); rings and heartbeats are judged by when they arrived",
            late,
        )
    if claim_the_pass():
        run_due_timers(due)


async def run_once() -> None:
    """One pass, judged at the time it falls due, which is now (see the module's docstring)."""
    await database_sync_to_async(_run_when_due)(clock.now(), time.monotonic())


async def run_forever() -> None:
    """The loop each server process starts at launch (ASGI lifespan)."""
    while True:
        try:
            await run_once()
        except Exception:
            logger.exception("the timers failed this second; trying again")
        await asyncio.sleep(TICK_SECONDS)
