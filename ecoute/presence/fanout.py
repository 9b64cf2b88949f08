"""The board's fan-out: one channel-layer subscription per process, however many watchers it serves.

A plain Channels group with N members costs N channel-layer messages per change. Here each server
process subscribes once; the changes that arrive within a few milliseconds are merged, turned into
JSON once, and written to every local watcher's socket. With thousands of watchers this is the
difference between seconds and a fraction of one (docs/performance.md).
"""

import asyncio
import json
import logging
import uuid

from channels.layers import get_channel_layer
from django.conf import settings

from .actions import BOARD_GROUP

logger = logging.getLogger(__name__)


class BoardFanout:
    def __init__(self) -> None:
        self.watchers: set = set()
        self._pending: dict[int, dict] = {}
        self._listener: asyncio.Task | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._flush_scheduled = False
        self._subscribed = asyncio.Event()

    async def watch(self, consumer) -> None:
        """Start writing board changes to CONSUMER (a Channels consumer: its ASGI base_send is used).

        Returns once this process is subscribed, so that a snapshot taken afterwards misses nothing.
        """
        self._ensure_listening()
        self.watchers.add(consumer)
        await self._subscribed.wait()

    def unwatch(self, consumer) -> None:
        self.watchers.discard(consumer)

    def _ensure_listening(self) -> None:
        loop = asyncio.get_running_loop()
        if self._loop is not loop:  # a new event loop (a test, a restarted worker): start afresh
            self.watchers, self._pending, self._listener, self._loop = set(), {}, None, loop
            self._flush_scheduled, self._subscribed = False, asyncio.Event()
        if self._listener is None or self._listener.done():
            self._subscribed.clear()
            self._listener = loop.create_task(self._listen())

    async def _listen(self) -> None:
        layer = get_channel_layer()
        channel = await layer.new_channel("board-fanout.")
        await layer.group_add(BOARD_GROUP, channel)
        # A subscription is live only once something sent to the group comes back (with Redis
        # pub/sub, group_add returns before the server has confirmed it): send probes until one does.
        probe = uuid.uuid4().hex
        prober = asyncio.create_task(self._probe(layer, probe))
        try:
            while True:
                message = await layer.receive(channel)
                if message.get("probe") == probe:
                    prober.cancel()
                    self._subscribed.set()
                self._gather(message.get("changes", []))
        except asyncio.CancelledError:
            prober.cancel()
            await layer.group_discard(BOARD_GROUP, channel)
            raise

    async def _probe(self, layer, probe: str) -> None:
        while True:
            await layer.group_send(BOARD_GROUP, {"type": "board.changes", "changes": [], "probe": probe})
            await asyncio.sleep(0.05)

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
        message = {"type": "websocket.send", "text": json.dumps({"type": "presence", "changes": changes})}
        for watcher in list(self.watchers):
            try:
                # The socket's own ASGI send: one frame per watcher, nothing else on the hot path.
                await watcher.base_send(message)
            except Exception:  # one broken socket must not keep the others uninformed
                logger.warning("a board watcher could not be written to; dropping it")
                self.watchers.discard(watcher)


# One per server process.
board_fanout = BoardFanout()
