"""The channel layer of several server processes (Redis pub/sub), made to ride out a Redis outage.

Redis only carries news between processes; the database is the truth and the voice goes through
the TURN relay. When Redis stops, channels_redis's pub/sub layer raises from every send and every
subscription: a consumer dies on its next signal (and its call ends with it), a new websocket's
handshake answers 500, and the receiving task logs a traceback every second.

Here, while Redis is unreachable:

- a send reaches the sockets of the same process, and no other: a single server process works on
  as before, and with several, what crosses processes is lost (the database keeps the truth: the
  apps ask for a fresh picture whenever they reconnect, the board and the queue refresh once Redis
  is back, and docs/operations.md says what a caller and a psychologist see meanwhile);
- a subscription is remembered and made as soon as Redis answers again, as are the ones Redis
  forgot by restarting; an unsubscription likewise;
- the layer does not try again on every send: one task per process probes Redis with backoff
  (0.1 s doubling to 5 s), and one warning says it is gone, one line that it is back.

Settings: BACKEND "ecoute.lib.channel_layer.ResilientPubSubChannelLayer", the same CONFIG as
channels_redis's RedisPubSubChannelLayer (hosts, including Sentinel hosts, and prefix).
"""

import asyncio
import logging

from channels_redis.pubsub import RedisPubSubChannelLayer, RedisPubSubLoopLayer, RedisSingleShardConnection
from channels_redis.utils import _wrap_close
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

# A lost connection surfaces as redis-py's errors or as the socket's own.
UNREACHABLE = (RedisError, OSError)
FIRST_RETRY_SECONDS = 0.1
LAST_RETRY_SECONDS = 5.0

# Called (without arguments, on the event loop) each time Redis answers again after an outage:
# whoever keeps a picture built from channel-layer news refreshes it from the database.
_recovery_callbacks: list = []


def on_recovery(callback) -> None:
    """Call CALLBACK each time this process reaches Redis again after losing it."""
    if callback not in _recovery_callbacks:
        _recovery_callbacks.append(callback)


def redis_unreachable() -> bool:
    """Whether this process has lost Redis: its channel layer's last exchange with it failed."""
    from channels.layers import get_channel_layer

    layers = getattr(get_channel_layer(), "_layers", {})
    return any(getattr(shard, "down", False) for layer in list(layers.values()) for shard in layer._shards)


class ResilientPubSubChannelLayer(RedisPubSubChannelLayer):
    def _get_layer(self):
        loop = asyncio.get_running_loop()
        try:
            return self._layers[loop]
        except KeyError:
            layer = self._layers[loop] = ResilientLoopLayer(*self._args, **self._kwargs, channel_layer=self)
            _wrap_close(self, loop)
            return layer


class ResilientLoopLayer(RedisPubSubLoopLayer):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._shards = [ResilientShard(shard.host, self) for shard in self._shards]


class ResilientShard(RedisSingleShardConnection):
    """One Redis host. `_subscribed_to` holds what this process wants to hear, reached or not."""

    def __init__(self, host, channel_layer):
        super().__init__(host, channel_layer)
        self.down = False
        self._retry_in = FIRST_RETRY_SECONDS

    async def publish(self, channel, message):
        if not self.down:
            async with self._lock:
                try:
                    self._ensure_redis()
                    await self._redis.publish(channel, message)
                    return
                except UNREACHABLE as error:
                    self._went_down(error)
        # Redis is gone: the sockets of this process still hear it (see the module's docstring).
        self._receive_message({"channel": channel, "data": message})

    async def subscribe(self, channel):
        async with self._lock:
            if channel in self._subscribed_to:
                return
            self._subscribed_to.add(channel)
            self._ensure_redis()
            self._ensure_receiver()
            if not self.down:
                try:
                    await self._pubsub.subscribe(channel)
                except UNREACHABLE as error:
                    self._went_down(error)

    async def unsubscribe(self, channel):
        async with self._lock:
            if channel not in self._subscribed_to:
                return
            self._subscribed_to.discard(channel)
            if not self.down and self._pubsub is not None:
                try:
                    await self._pubsub.unsubscribe(channel)
                except UNREACHABLE as error:
                    self._went_down(error)

    async def _do_receiving(self):
        while True:
            try:
                if self.down:
                    await self._reconnect()
                if self._pubsub is not None and self._pubsub.subscribed:
                    message = await self._pubsub.get_message(ignore_subscribe_messages=True, timeout=0.1)
                    self._receive_message(message)
                else:
                    await asyncio.sleep(0.1)
            except (asyncio.CancelledError, GeneratorExit):
                raise
            except UNREACHABLE as error:
                self._went_down(error)
                await asyncio.sleep(self._retry_in)
                self._retry_in = min(self._retry_in * 2, LAST_RETRY_SECONDS)
            except Exception:  # a message that cannot be read: the next one may be fine
                logger.exception("a channel-layer message could not be read")
                await asyncio.sleep(1)

    async def _reconnect(self) -> None:
        """Redis answers again: listen again to everything wanted, and nothing else."""
        async with self._lock:
            self._ensure_redis()
            await self._redis.ping()
            current = {_name(channel) for channel in self._pubsub.channels} - {
                _name(c) for c in self._pubsub.pending_unsubscribe_channels
            }
            missing, unwanted = self._subscribed_to - current, current - self._subscribed_to
            if missing:
                await self._pubsub.subscribe(*missing)
            if unwanted:
                await self._pubsub.unsubscribe(*unwanted)
            self.down, self._retry_in = False, FIRST_RETRY_SECONDS
        logger.warning("Redis is reachable again: the channel layer carries events again")
        for callback in list(_recovery_callbacks):
            try:
                callback()
            except Exception:
                logger.exception("a recovery callback failed")

    def _went_down(self, error: BaseException) -> None:
        if not self.down:
            logger.warning(
                "Redis is unreachable (%s): events reach only this process's sockets until it is back; "
                "calls in progress go on",
                error.__class__.__name__,
            )
        self.down = True
        self._ensure_receiver()  # it probes Redis until it answers


def _name(channel) -> str:
    return channel.decode() if isinstance(channel, bytes) else channel
