"""A surge's batch counts and remembers hundreds of sources at once on Redis: one command for all of
them (a pipeline's two commands a key were a tenth of the servers' time), with the same windows."""

from django.core.cache import cache

from ecoute.abuse import limits
from tests.support.backends import need_redis
from tests.support.redis_commands import commands_sent

SOURCES = [f"source-de-test-lot-{n}" for n in range(300)]


def test_each_key_is_counted_in_its_own_window_and_a_key_twice_counts_twice():
    need_redis()
    keys = [f"abuse:test-batch:{source}" for source in SOURCES]
    cache.delete_many(keys)
    cache.set(keys[0], 5, timeout=600)  # a window under way keeps its count and its end
    counts = []
    sent = commands_sent(lambda: counts.extend(limits.count_each([*keys, keys[1]], 30)))
    assert sent == ["EVAL"]
    assert counts[:3] == [6, 1, 1] and counts[-1] == 2 and set(counts[2:-1]) == {1}
    client = cache._cache.get_client(None)
    ttl = [client.ttl(cache.make_and_validate_key(key)) for key in keys[:2]]
    assert 30 < ttl[0] <= 600 and 0 < ttl[1] <= 30


def test_a_batchs_calls_are_remembered_in_one_command_and_read_back():
    need_redis()
    calls = [(source, f"appel-{n}") for n, source in enumerate(SOURCES)]
    sent = commands_sent(lambda: limits.remember_calls(calls))
    assert sent == ["EVAL", "EVAL"]  # the sources' slots counted, then the calls remembered
    remembered = limits.calls_of_each(SOURCES[:2])
    assert remembered[SOURCES[0]][-1] == "appel-0" and remembered[SOURCES[1]][-1] == "appel-1"
    client = cache._cache.get_client(None)
    key = cache.make_and_validate_key("abuse:call-source:appel-7")
    assert 0 < client.ttl(key) <= limits.CALLS_REMEMBERED
    assert cache.get("abuse:call-source:appel-7") == SOURCES[7]
