"""A source's count of open sockets on Redis: a closing socket takes one off in one round trip, and
never leaves a count behind once its window has ended (a key at -1 with no expiry would let that
network open one socket more, forever)."""

from django.core.cache import cache

from ecoute.abuse import limits
from tests.support.backends import need_redis

SOURCE = "source-de-test-comptage"
KEY = f"abuse:sockets:{SOURCE}"


def test_a_closing_socket_takes_one_from_its_sources_count():
    need_redis()
    cache.delete(KEY)
    assert limits.socket_opened(SOURCE) and limits.socket_opened(SOURCE)
    limits.socket_closed(SOURCE)
    assert cache.get(KEY) == 1
    limits.socket_closed(SOURCE)
    assert cache.get(KEY) == 0


def test_a_socket_closing_after_its_window_ended_leaves_no_count_behind():
    need_redis()
    cache.delete(KEY)
    limits.socket_closed(SOURCE)
    assert cache.get(KEY) is None and not cache.has_key(KEY)


def test_closing_is_one_round_trip_on_redis():
    need_redis()
    cache.delete(KEY)
    limits.socket_opened(SOURCE)
    client = cache._cache.get_client(KEY, write=True)
    sent = []
    original = client.execute_command

    def counting(*args, **options):
        sent.append(args[0])
        return original(*args, **options)

    client.execute_command = counting
    try:
        cache._cache.get_client = lambda key, write=False: client
        limits.socket_closed(SOURCE)
    finally:
        del cache._cache.get_client
    assert sent == ["EVAL"] and cache.get(KEY) == 0
