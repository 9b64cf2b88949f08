"""A source's count of open sockets on Redis: a closing socket takes one off in one round trip, and
never leaves a count behind once its window has ended (a key at -1 with no expiry would let that
network open one socket more, forever)."""

from django.core.cache import cache

from ecoute.abuse import limits
from tests.support.backends import need_redis
from tests.support.redis_commands import commands_sent

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
    assert commands_sent(lambda: limits.socket_closed(SOURCE)) == ["EVAL"]
    assert cache.get(KEY) == 0
