"""Django's Redis cache, made to answer "nothing there" instead of failing while Redis is unreachable.

The cache holds only what can be lost: login-failure counts, the keys of the day behind the abuse
limits' hashes (ecoute/lib/source.py, which then keeps a key of its own process). A Redis outage
must not turn the staff login or any page into a 500: reads return their default, writes are
dropped, one warning says so and one line when Redis answers again. Limits counted in the cache
hold again once it is back. Like django-redis's IGNORE_EXCEPTIONS, with a pause: after a failure
Redis is not asked again for RETRY_SECONDS, so that an unreachable host does not cost every request
a connection timeout.

Settings: BACKEND "ecoute.lib.cache.ResilientRedisCache", otherwise as Django's RedisCache; OPTIONS may
name Sentinels (sentinels, sentinel_master: see ecoute/lib/redis_config.py).
"""

import logging
import threading
import time

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

RETRY_SECONDS = 5.0
UNREACHABLE = (RedisError, OSError)


class _Outage:
    """Whether Redis failed lately; shared by the threads of one process."""

    def __init__(self):
        self._lock = threading.Lock()
        self.until = 0.0  # monotonic time before which Redis is not asked
        self.down = False

    def skipping(self) -> bool:
        return self.down and time.monotonic() < self.until

    def failed(self, error: BaseException) -> None:
        with self._lock:
            if not self.down:
                logger.warning(
                    "the cache's Redis is unreachable (%s): login limits are not counted until it is back",
                    error.__class__.__name__,
                )
            self.down, self.until = True, time.monotonic() + RETRY_SECONDS

    def succeeded(self) -> None:
        if self.down:
            with self._lock:
                if self.down:
                    self.down = False
                    logger.warning("the cache's Redis is reachable again")


def _guarded(name: str, fallback, original=None):
    """CLIENT.NAME (or ORIGINAL), returning FALLBACK(*args) instead of raising while Redis is unreachable."""
    original = original or getattr(RedisCacheClient, name)

    def method(self, *args, **kwargs):
        if self.outage.skipping():
            return fallback(*args)
        try:
            result = original(self, *args, **kwargs)
        except UNREACHABLE as error:
            self.outage.failed(error)
            return fallback(*args)
        self.outage.succeeded()
        return result

    method.__name__ = name
    method.__doc__ = f"RedisCacheClient.{name}, answering as an empty cache while Redis is unreachable."
    return method


# One per Redis location and process: Django makes a cache object per thread and per async context.
_outages: dict[str, _Outage] = {}


# Sentinel-found masters' pools, one per process (Django makes a client per request).
_sentinel_pools: dict[tuple, object] = {}
# The servers' pools, one per server and process. Django makes a cache object, and so a client and
# its own pool, per thread and per async context: every websocket held a Redis connection of its
# own for its lifetime, and 10,000 watchers of the board reached Redis's 10,000 clients, which took
# the channel layer down with them (docs/performance.md). A pool is thread-safe: share it.
_server_pools: dict[tuple, object] = {}


class ResilientRedisCacheClient(RedisCacheClient):
    def __init__(self, servers, sentinels=(), sentinel_master="", **options):
        super().__init__(servers, **options)
        self.outage = _outages.setdefault(" ".join(servers), _Outage())
        self._sentinels, self._sentinel_master = [tuple(sentinel) for sentinel in sentinels], sentinel_master

    def _get_connection_pool(self, write):
        """The master the Sentinels name, when configured (ecoute/lib/redis_config.py), else the
        process's pool for that server."""
        if not self._sentinels:
            server = self._servers[self._get_connection_pool_index(write)]
            key = (server, self._pool_class, tuple(sorted(map(repr, self._pool_options.items()))))
            if key not in _server_pools:
                _server_pools[key] = self._pool_class.from_url(server, **self._pool_options)
            return _server_pools[key]
        key = (self._sentinel_master, tuple(self._sentinels))
        if key not in _sentinel_pools:
            from redis.sentinel import Sentinel, SentinelConnectionPool

            from .redis_config import SENTINEL_KWARGS

            manager = Sentinel(self._sentinels, sentinel_kwargs=SENTINEL_KWARGS)
            _sentinel_pools[key] = SentinelConnectionPool(
                self._sentinel_master, manager, **self._pool_options
            )
        return _sentinel_pools[key]

    # SET NX starts a key's window with its first count, INCR counts. One script for all the keys:
    # a surge's batch counts hundreds of sources at once, and a pipeline's per-command work in
    # redis-py (two commands a key) was a tenth of the servers' time (docs/performance.md).
    _COUNT_EACH = """
local counts = {}
for i, key in ipairs(KEYS) do
  redis.call('SET', key, 0, 'EX', ARGV[1], 'NX')
  counts[i] = redis.call('INCR', key)
end
return counts"""

    def _count_each_in_window(self, keys, window: int) -> list[int]:
        return self.get_client(keys[0], write=True).eval(self._COUNT_EACH, len(keys), *keys, window)

    # Each key with its value and expiry in one script, where Django's set_many pipelines an MSET
    # and one EXPIRE per key (the abuse limits remember a batch's calls: hundreds of keys).
    _SET_EACH_EXPIRING = """
local seconds = ARGV[#ARGV]
for i, key in ipairs(KEYS) do redis.call('SET', key, ARGV[i], 'EX', seconds) end
return #KEYS"""

    def _set_many(self, data, timeout):
        if timeout is None or timeout <= 0 or not data:
            return RedisCacheClient.set_many(self, data, timeout)
        values = [self._serializer.dumps(value) for value in data.values()]
        client = self.get_client(None, write=True)
        client.eval(self._SET_EACH_EXPIRING, len(data), *data, *values, int(timeout))

    # Decrement only a count still in its window: DECR alone would make a missing key -1, forever.
    _UNCOUNT = (
        "if redis.call('EXISTS', KEYS[1]) == 1 then return redis.call('DECR', KEYS[1]) end return false"
    )

    def _uncount(self, key):
        # One round trip, where decr() took two (it asks whether the key exists first): every closing
        # socket makes one, and a thousand callers leaving at once queued behind them.
        return self.get_client(key, write=True).eval(self._UNCOUNT, 1, key)

    def _claim(self, key, milliseconds: int) -> bool:
        return bool(self.get_client(key, write=True).set(key, 1, px=milliseconds, nx=True))

    # What an empty cache that keeps nothing would answer (a claim: granted, as with no cache at all).
    claim = _guarded("claim", lambda key, milliseconds: True, _claim)
    uncount = _guarded("uncount", lambda key: None, _uncount)
    count_each_in_window = _guarded(
        "count_each_in_window", lambda keys, window: [1] * len(keys), _count_each_in_window
    )
    add = _guarded("add", lambda key, value, timeout: False)
    get = _guarded("get", lambda key, default: default)
    set = _guarded("set", lambda key, value, timeout: None)
    touch = _guarded("touch", lambda key, timeout: False)
    delete = _guarded("delete", lambda key: False)
    get_many = _guarded("get_many", lambda keys: {})
    has_key = _guarded("has_key", lambda key: False)
    incr = _guarded("incr", lambda key, delta: delta)
    set_many = _guarded("set_many", lambda data, timeout: [], _set_many)
    delete_many = _guarded("delete_many", lambda keys: None)
    clear = _guarded("clear", lambda: False)


class ResilientRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ResilientRedisCacheClient

    def count_each_in_window(self, keys, window: int) -> list[int]:
        """Add one to each of KEYS' counts in a fixed window of WINDOW seconds (from its first count);
        the new counts, in one round trip."""
        return self._cache.count_each_in_window([self.make_and_validate_key(key) for key in keys], window)

    def claim(self, key, milliseconds: int) -> bool:
        """Whether KEY was free and is now held for MILLISECONDS by this caller (one SET NX PX): of
        several processes asking within that time, one gets it. Granted while Redis is unreachable."""
        return self._cache.claim(self.make_and_validate_key(key), milliseconds)

    def uncount(self, key) -> int | None:
        """Take one from KEY's count if its window is still open (the new count), else leave it absent (None)."""
        return self._cache.uncount(self.make_and_validate_key(key))
