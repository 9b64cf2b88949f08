"""Every websocket of a process shares the process's Redis connections for the cache (ecoute/lib/cache.py).

Django makes a cache object per thread and per async context: each had its own pool, so each
websocket kept a Redis connection of its own, and 10,000 watchers of the board filled Redis's
10,000 clients and took the channel layer down with them.
"""

import asyncio
import contextvars

from asgiref.sync import sync_to_async
from django.core.cache import cache

from tests.support.backends import need_redis


async def one_socket() -> object:
    """What a socket's connection does with the cache, in its own async context: a count, a read."""

    def use_the_cache():
        cache.get("abuse:anything")
        return cache._cache._get_connection_pool(True)

    return await sync_to_async(use_the_cache)()


def test_two_hundred_sockets_share_one_pool_and_a_few_connections():
    need_redis()

    async def sockets():
        # Each in a context of its own, as the server starts each connection's task.
        tasks = [asyncio.create_task(one_socket(), context=contextvars.Context()) for _ in range(200)]
        return await asyncio.gather(*tasks)

    pools = asyncio.run(sockets())
    assert len({id(pool) for pool in pools}) == 1
    assert len(pools[0]._available_connections) + len(pools[0]._in_use_connections) <= 4
