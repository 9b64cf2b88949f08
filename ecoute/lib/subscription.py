"""One channel-layer subscription per server process, shared by every socket of that process.

A plain Channels group with N members costs N channel-layer messages per event, and N handlers
woken. What every socket of a process needs to hear in the same way (the board's changes, "the
queue moved") is better heard once per process, then dealt with locally: the board fan-out
(ecoute/presence/fanout.py) and the queue's positions (ecoute/calls/queue_fanout.py) do so.
"""

import abc
import asyncio
import uuid

from channels.layers import get_channel_layer

from ecoute.lib.channel_layer import on_recovery


class ProcessSubscription(abc.ABC):
    """Listens to GROUP in this process; subclasses say what to do with each message (on_message)."""

    group: str

    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._listener: asyncio.Task | None = None
        self._subscribed = asyncio.Event()
        self.started()
        on_recovery(self.recovered)

    def started(self) -> None:
        """Reset the local state: called at creation and when a new event loop takes over."""

    def recovered(self) -> None:
        """Redis is back after an outage: what was sent meanwhile from other processes is lost; catch up."""

    @abc.abstractmethod
    def on_message(self, message: dict) -> None:
        """One message sent to GROUP (probes excepted), handled without waiting: runs on the listening task."""

    async def subscribe(self) -> None:
        """Start listening if not yet, and return once this process is subscribed for sure.

        Something read from the database afterwards (a snapshot) then misses no later event.
        """
        loop = asyncio.get_running_loop()
        if self._loop is not loop:  # a new event loop (a test, a restarted worker): start afresh
            self._loop, self._listener, self._subscribed = loop, None, asyncio.Event()
            self.started()
        if self._listener is None or self._listener.done():
            self._subscribed.clear()
            self._listener = loop.create_task(self._listen())
        await self._subscribed.wait()

    async def _listen(self) -> None:
        layer = get_channel_layer()
        channel = await layer.new_channel(f"{self.group}-process.")
        await layer.group_add(self.group, channel)
        # A subscription is live only once something sent to the group comes back (with Redis
        # pub/sub, group_add returns before the server has confirmed it): send probes until one does.
        probe = uuid.uuid4().hex
        prober = asyncio.create_task(self._probe(layer, probe))
        try:
            while True:
                message = await layer.receive(channel)
                if "probe" in message:
                    if message["probe"] == probe:
                        prober.cancel()
                        self._subscribed.set()
                    continue
                self.on_message(message)
        except asyncio.CancelledError:
            prober.cancel()
            await layer.group_discard(self.group, channel)
            raise

    async def _probe(self, layer, probe: str) -> None:
        while True:
            await layer.group_send(self.group, {"type": "subscription.probe", "probe": probe})
            await asyncio.sleep(0.05)
