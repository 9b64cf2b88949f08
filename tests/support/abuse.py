"""The abuse limits' state (ecoute/abuse), wiped between tests: it lives in the cache, not the database."""

from django.core.cache import cache


def forget_abuse_state() -> None:
    client = getattr(cache, "_cache", None)
    if hasattr(client, "get_client"):  # Redis, shared with the live servers: only the limits' keys
        redis = client.get_client(write=True)
        keys = list(redis.scan_iter(match="*:abuse:*", count=1000))
        if keys:
            redis.delete(*keys)
    else:
        cache.clear()
