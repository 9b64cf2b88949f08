"""Where the platform finds Redis: REDIS_URL, or the master that Redis Sentinels name (no Django import:
settings.py uses this).

With ECOUTE_REDIS_SENTINELS set, the master called ECOUTE_REDIS_SENTINEL_MASTER is asked of the
Sentinels at each (re)connection, so that a Redis failover needs no change and no restart; REDIS_URL
then gives only the database number and the password (its host is not used).
"""

from urllib.parse import unquote, urlsplit

from .env import ConfigurationError

# Sentinels answer fast or not at all: never wait for the system's TCP timeout on one that is down.
SENTINEL_KWARGS = {"socket_connect_timeout": 1, "socket_timeout": 1}


def parse_sentinels(entries: list[str]) -> list[tuple[str, int]]:
    """["host:port", ...] as (host, port) pairs; a malformed entry stops the start."""
    sentinels = []
    for entry in entries:
        host, _, port = entry.rpartition(":")
        if not host or not port.isdigit():
            raise ConfigurationError(
                f"ECOUTE_REDIS_SENTINELS: {entry!r} is not host:port (e.g. redis-sentinel-1:26379)"
            )
        sentinels.append((host.strip("[]"), int(port)))
    return sentinels


def _credentials(url: str) -> dict:
    """The database number and the password of REDIS_URL: what a Sentinel-found master still needs."""
    parts = urlsplit(url)
    found = {}
    if parts.path.strip("/").isdigit():
        found["db"] = int(parts.path.strip("/"))
    if parts.password:
        found["password"] = unquote(parts.password)
    if parts.username:
        found["username"] = unquote(parts.username)
    return found


def channel_layer_host(url: str, sentinels: list[tuple[str, int]], master: str) -> dict:
    """One entry of channels_redis's `hosts`: the URL, or the Sentinels and the master's name."""
    if not sentinels:
        return {"address": url, "socket_connect_timeout": 2}
    return {
        "master_name": master,
        "sentinels": sentinels,
        "sentinel_kwargs": SENTINEL_KWARGS,
        "socket_connect_timeout": 2,
        **_credentials(url),
    }


def cache_options(url: str, sentinels: list[tuple[str, int]], master: str) -> dict:
    """OPTIONS of ecoute.lib.cache.ResilientRedisCache."""
    options = {"socket_connect_timeout": 1, "socket_timeout": 2}
    if sentinels:
        options.update({"sentinels": sentinels, "sentinel_master": master, **_credentials(url)})
    return options
