"""Where Redis is found: a URL, or Sentinels; a malformed Sentinel list stops the start."""

import pytest

from ecoute.lib.env import ConfigurationError
from ecoute.lib.redis_config import cache_options, channel_layer_host, parse_sentinels


def test_sentinels_are_host_port_pairs_and_anything_else_is_refused():
    assert parse_sentinels(["app1:26379", "[::1]:26380"]) == [("app1", 26379), ("::1", 26380)]
    for wrong in ("app1", "app1:port", ":26379"):
        with pytest.raises(ConfigurationError, match="is not host:port"):
            parse_sentinels([wrong])


def test_with_sentinels_the_url_gives_only_the_password_and_the_database():
    sentinels = [("app1", 26379)]
    host = channel_layer_host("redis://:s3cret@ignored:6379/2", sentinels, "ecoute")
    assert host["master_name"] == "ecoute" and host["sentinels"] == sentinels
    assert host["password"] == "s3cret" and host["db"] == 2 and "address" not in host
    options = cache_options("redis://:s3cret@ignored:6379/2", sentinels, "ecoute")
    assert (
        options["sentinels"] == sentinels
        and options["sentinel_master"] == "ecoute"
        and options["password"] == "s3cret"
    )
    assert channel_layer_host("redis://r:6379/0", [], "ecoute")["address"] == "redis://r:6379/0"
    assert "sentinels" not in cache_options("redis://r:6379/0", [], "ecoute")
