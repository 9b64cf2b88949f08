"""What the server agrees to relay between the two browsers of a call."""

import pytest

from ecoute.calls.signalling import SignalError, clean_signal

HOST = "candidate:1 1 udp 2122260223 192.168.1.23 54321 typ host generation 0"
SRFLX = "candidate:2 1 udp 1686052607 203.0.113.7 54321 typ srflx raddr 192.168.1.23 rport 54321"
RELAY = "candidate:3 1 udp 41885439 127.0.0.1 49200 typ relay raddr 0.0.0.0 rport 0"
SDP = "\r\n".join(["v=0", "o=- 1 2 IN IP4 127.0.0.1", "s=-", f"a={HOST}", f"a={SRFLX}", f"a={RELAY}", ""])


def test_an_offer_is_relayed_with_only_its_relay_candidates_when_the_relay_is_required():
    cleaned = clean_signal({"description": {"type": "offer", "sdp": SDP}, "extra": "dropped"}, relay_only=True)
    assert set(cleaned) == {"description"}
    sdp = cleaned["description"]["sdp"]
    assert "192.168.1.23" not in sdp and "203.0.113.7" not in sdp and RELAY in sdp


def test_without_a_relay_the_description_is_relayed_as_it_is():
    assert clean_signal({"description": {"type": "answer", "sdp": SDP}}, relay_only=False)["description"]["sdp"] == SDP


@pytest.mark.parametrize("candidate", [HOST, SRFLX])
def test_candidates_that_reveal_an_address_are_refused_when_the_relay_is_required(candidate):
    with pytest.raises(SignalError, match="relayés"):
        clean_signal({"candidate": {"candidate": candidate, "sdpMid": "0", "sdpMLineIndex": 0}}, relay_only=True)


def test_relay_candidates_and_the_end_of_candidates_pass():
    relay = {"candidate": RELAY, "sdpMid": "0", "sdpMLineIndex": 0}
    assert clean_signal({"candidate": relay}, relay_only=True) == {"candidate": relay}
    assert clean_signal({"candidate": None}, relay_only=True) == {"candidate": None}
    end = {"candidate": "", "sdpMid": "0", "sdpMLineIndex": 0}
    assert clean_signal({"candidate": end}, relay_only=True) == {"candidate": end}


@pytest.mark.parametrize("signal", [
    None, [], "offer", {}, {"description": "v=0"},
    {"description": {"type": "pranswer", "sdp": "v=0"}},
    {"description": {"type": "offer", "sdp": "not sdp"}},
    {"description": {"type": "offer", "sdp": "v=0" + "x" * 30_000}},
    {"candidate": "candidate:1"},
    {"candidate": {"candidate": 12}},
    {"candidate": {"candidate": RELAY, "sdpMLineIndex": "0"}},
    {"candidate": {"candidate": RELAY, "sdpMLineIndex": True}},
    {"candidate": {"candidate": RELAY, "sdpMid": 4}},
    {"candidate": {"candidate": "c" * 600}},
])
def test_malformed_signals_are_refused(signal):
    with pytest.raises(SignalError):
        clean_signal(signal, relay_only=False)
