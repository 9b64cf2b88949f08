"""The board's fan-out: one channel-layer subscription per process, however many watchers it serves.

A plain Channels group with N members costs N channel-layer messages per change. Here each server
process subscribes once; the changes that arrive within a few milliseconds are merged, turned into
JSON once, and written to every local watcher's socket. With thousands of watchers this is the
difference between seconds and a fraction of one (docs/performance.md).
"""

import asyncio
import json
import logging

from channels.db import database_sync_to_async
from django.conf import settings

from ecoute.lib.frame_send import write_to_all
from ecoute.lib.subscription import ProcessSubscription
from ecoute.protocol import events

from .actions import BOARD_GROUP
from .queries import board_snapshot

logger = logging.getLogger(__name__)


class BoardFanout(ProcessSubscription):
    group = BOARD_GROUP

    def started(self) -> None:
        self.watchers: set = set()
        self._pending: dict[int, dict] = {}
        self._flush_scheduled = False

    async def watch(self, consumer) -> None:
        """Start writing board changes to CONSUMER (a Channels consumer: its ASGI base_send is used).

        Returns once this process is subscribed, so that a snapshot taken afterwards misses nothing.
        """
        await self.subscribe()
        self.watchers.add(consumer)

    def unwatch(self, consumer) -> None:
        self.watchers.discard(consumer)

    def on_message(self, message: dict) -> None:
        self._gather(message.get("changes", []))

    def recovered(self) -> None:
        """Changes made on other processes during a Redis outage never came: send every status again."""
        if self.watchers:
            asyncio.ensure_future(self._catch_up())

    async def _catch_up(self) -> None:
        self._gather((await database_sync_to_async(board_snapshot)())["changes"])

    def _gather(self, changes: list[dict]) -> None:
        for change in changes:
            known = self._pending.get(change["id"])
            if known is None or change["version"] > known["version"]:
                self._pending[change["id"]] = change
        if not self._flush_scheduled:
            self._flush_scheduled = True
            delay = settings.ECOUTE_BOARD_COALESCE_MS / 1000
            asyncio.get_running_loop().call_later(delay, lambda: asyncio.ensure_future(self._flush()))

    async def _flush(self) -> None:
        self._flush_scheduled = False
        changes, self._pending = list(self._pending.values()), {}
        if not changes:
            return
        # One frame, serialised once, written to every watcher's socket (ecoute/lib/frame_send.py).
        broken = await write_to_all(list(self.watchers), json.dumps(events.presence(changes)))
        for watcher in broken:
            logger.warning("a board watcher could not be written to; dropping it")
            self.watchers.discard(watcher)


# One per server process.
board_fanout = BoardFanout()
