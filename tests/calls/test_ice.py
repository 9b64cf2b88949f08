"""ICE configuration and coturn REST-API credentials."""

import base64
import hashlib
import hmac

from ecoute.calls.ice import ice_configuration, turn_credentials


def test_turn_credentials_follow_coturns_rest_scheme():
    username, credential = turn_credentials("s3cret", ttl=600, now=1_000_000)
    expiry, label = username.split(":")
    assert int(expiry) == 1_000_600 and len(label) == 16
    expected = base64.b64encode(hmac.new(b"s3cret", username.encode(), hashlib.sha1).digest()).decode()
    assert credential == expected


def test_every_party_gets_its_own_credentials():
    assert turn_credentials("s", 60)[0] != turn_credentials("s", 60)[0]


def test_with_a_turn_server_media_must_be_relayed(settings):
    settings.ECOUTE_TURN_URLS = ["turn:turn.example.org:3478?transport=udp", "turns:turn.example.org:443"]
    settings.ECOUTE_TURN_SECRET = "s3cret"
    config = ice_configuration()
    assert config["iceTransportPolicy"] == "relay"
    [server] = config["iceServers"]
    assert server["urls"] == settings.ECOUTE_TURN_URLS and server["username"] and server["credential"]


def test_without_a_turn_server_the_browsers_connect_directly(settings):
    settings.ECOUTE_TURN_URLS = []
    settings.ECOUTE_STUN_URLS = ["stun:stun.example.org:3478"]
    assert ice_configuration() == {
        "iceServers": [{"urls": ["stun:stun.example.org:3478"]}],
        "iceTransportPolicy": "all",
    }
