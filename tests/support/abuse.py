"""The abuse limits' state (ecoute/abuse), wiped between tests: it lives in the cache, not the database."""

from django.core.cache import cache


def forget_abuse_state() -> None:
    forget_cache_keys("*:abuse:*")
    # The login throttle's counts too (ecoute/accounts/throttle.py): the tests' usernames repeat
    # from run to run, and failures counted by an earlier run on the same Redis would hold them back.
    forget_cache_keys("*:login-failures:*")
    forget_cache_keys("*:login-gate:*")


def forget_cache_keys(match: str) -> None:
    """The cache's keys matching MATCH deleted (Redis is shared with the live servers: only those);
    another cache is simply cleared."""
    client = getattr(cache, "_cache", None)
    if hasattr(client, "get_client"):
        redis = client.get_client(write=True)
        keys = list(redis.scan_iter(match=match, count=1000))
        if keys:
            redis.delete(*keys)
    else:
        cache.clear()
