"""Waiting callers' places in the queue: one subscription and one read per server process.

Every change of the queue (a call joins, rings, goes back, leaves, goes first) nudges QUEUE_GROUP.
Were each waiting caller's socket in that group, a burst of a thousand arrivals would wake a
thousand sockets a thousand times, each reading its own place: a million handlers and as many
queries. Here each process hears the nudge once, lets the burst settle a moment, reads the places
of all its waiting callers at once (queries.queue_positions) and tells each one whose place,
estimate or time waited changed.

It also does so every few seconds without a nudge, so that the estimate stays current, and marks
its callers present (actions.callers_present): an open socket is a sign of life even when a phone
in the background slows the app's own heartbeat down.
"""

import asyncio
import logging

from channels.db import database_sync_to_async
from django.conf import settings

from ecoute.lib.realtime import QUEUE_GROUP
from ecoute.lib.subscription import ProcessSubscription

from . import actions, queries

logger = logging.getLogger(__name__)
# A burst of queue changes (a hundred calls placed at once) becomes one refresh.
COALESCE_SECONDS = 0.2


class QueueFanout(ProcessSubscription):
    group = QUEUE_GROUP

    def started(self) -> None:
        self.waiting: dict = {}  # consumer -> the id of its call waiting in the queue
        self._nudged = asyncio.Event()
        self._refresher: asyncio.Task | None = None

    async def watch(self, consumer, call_id) -> None:
        """Tell CONSUMER (it has send_position(event)) where CALL_ID stands, now and at each change."""
        await self.subscribe()
        self.waiting[consumer] = call_id
        self._nudged.set()  # a newcomer hears its place without waiting for the next change
        if self._refresher is None or self._refresher.done():
            self._refresher = asyncio.get_running_loop().create_task(self._refresh_while_anyone_waits())

    def unwatch(self, consumer) -> None:
        self.waiting.pop(consumer, None)

    def on_message(self, message: dict) -> None:
        self._nudged.set()

    def recovered(self) -> None:
        self._nudged.set()  # the queue may have moved on other processes during a Redis outage

    async def _refresh_while_anyone_waits(self) -> None:
        loop = asyncio.get_running_loop()
        while self.waiting:
            tick = loop.call_later(settings.ECOUTE_QUEUE_REFRESH_SECONDS, self._nudged.set)
            await self._nudged.wait()
            tick.cancel()
            await asyncio.sleep(COALESCE_SECONDS)
            self._nudged.clear()
            try:
                await self._refresh()
            except Exception:  # the next nudge or tick tries again
                logger.exception("the queue's places could not be sent this time")

    async def _refresh(self) -> None:
        watchers = dict(self.waiting)
        if not watchers:
            return
        events = await database_sync_to_async(_read_places)(set(watchers.values()))
        for consumer, call_id in watchers.items():
            event = events.get(call_id)
            if event is None:
                continue  # ringing, or no longer waiting: its own events tell the caller
            try:
                await consumer.send_position(event)
            except Exception:  # one broken socket must not keep the others uninformed
                logger.warning("a waiting caller could not be written to; dropping them")
                self.unwatch(consumer)


def _read_places(call_ids: set) -> dict:
    actions.callers_present(call_ids)
    return queries.queue_positions(call_ids)


# One per server process.
queue_fanout = QueueFanout()
