"""What the server agrees to relay between the two browsers of a call."""

import pytest

from ecoute.calls.signalling import SignalError, clean_signal

HOST = "candidate:1 1 udp 2122260223 192.168.1.23 54321 typ host generation 0"
SRFLX = "candidate:2 1 udp 1686052607 203.0.113.7 54321 typ srflx raddr 192.168.1.23 rport 54321"
RELAY = "candidate:3 1 udp 41885439 127.0.0.1 49200 typ relay raddr 0.0.0.0 rport 0"
SDP = "\r\n".join(["v=0", "o=- 1 2 IN IP4 127.0.0.1", "s=-", f"a={HOST}", f"a={SRFLX}", f"a={RELAY}", ""])


def test_an_offer_is_relayed_with_only_its_relay_candidates_when_the_relay_is_required():
    cleaned = clean_signal(
        {"description": {"type": "offer", "sdp": SDP}, "extra": "dropped"}, relay_only=True
    )
    assert set(cleaned) == {"description"}
    sdp = cleaned["description"]["sdp"]
    assert "192.168.1.23" not in sdp and "203.0.113.7" not in sdp and RELAY in sdp


def test_without_a_relay_the_description_is_relayed_as_it_is():
    assert (
        clean_signal({"description": {"type": "answer", "sdp": SDP}}, relay_only=False)["description"]["sdp"]
        == SDP
    )


@pytest.mark.parametrize("candidate", [HOST, SRFLX])
def test_candidates_that_reveal_an_address_are_refused_when_the_relay_is_required(candidate):
    with pytest.raises(SignalError, match="relayés"):
        clean_signal(
            {"candidate": {"candidate": candidate, "sdpMid": "0", "sdpMLineIndex": 0}}, relay_only=True
        )


def test_relay_candidates_and_the_end_of_candidates_pass():
    relay = {"candidate": RELAY, "sdpMid": "0", "sdpMLineIndex": 0}
    assert clean_signal({"candidate": relay}, relay_only=True) == {"candidate": relay}
    assert clean_signal({"candidate": None}, relay_only=True) == {"candidate": None}
    end = {"candidate": "", "sdpMid": "0", "sdpMLineIndex": 0}
    assert clean_signal({"candidate": end}, relay_only=True) == {"candidate": end}


@pytest.mark.parametrize(
    "signal",
    [
        None,
        [],
        "offer",
        {},
        {"description": "v=0"},
        {"description": {"type": "pranswer", "sdp": "v=0"}},
        {"description": {"type": "offer", "sdp": "not sdp"}},
        {"description": {"type": "offer", "sdp": "v=0" + "x" * 30_000}},
        {"candidate": "candidate:1"},
        {"candidate": {"candidate": 12}},
        {"candidate": {"candidate": RELAY, "sdpMLineIndex": "0"}},
        {"candidate": {"candidate": RELAY, "sdpMLineIndex": True}},
        {"candidate": {"candidate": RELAY, "sdpMid": 4}},
        {"candidate": {"candidate": "c" * 600}},
    ],
)
def test_malformed_signals_are_refused(signal):
    with pytest.raises(SignalError):
        clean_signal(signal, relay_only=False)


# --- A browser that ignores the relay-only policy: what reaches the other party ----------------

CALLER_V4, CALLER_V6, CALLER_LAN, RELAY_ADDRESS = (
    "203.0.113.77",
    "2001:db8:77::12",
    "192.168.1.23",
    "198.51.100.5",
)
CRAFTED_OFFER = "\r\n".join(
    [
        "v=0",
        f"o=- 4611731400430051336 2 IN IP4 {CALLER_V4}",
        "s=-",
        "t=0 0",
        "m=audio 54321 UDP/TLS/RTP/SAVPF 111",
        f"c=IN IP4 {CALLER_V4}",
        f"a=rtcp:54322 IN IP4 {CALLER_V4}",
        f"a=candidate:1 1 udp 2122260223 {CALLER_LAN} 54321 typ host generation 0",
        f"a=candidate:2 1 udp 2122262783 {CALLER_V6} 54323 typ host generation 0",
        f"a=candidate:3 1 tcp 1518280447 {CALLER_LAN} 9 typ host tcptype active generation 0",
        f"a=candidate:4 1 udp 1686052607 {CALLER_V4} 54321 typ srflx raddr {CALLER_LAN} rport 54321 generation 0",
        f"a=candidate:5 1 udp 41885439 {RELAY_ADDRESS} 49200 typ relay raddr {CALLER_V4} rport 54321 generation 0 network-cost 10",
        f"A=CANDIDATE:6 1 UDP 41885438 {CALLER_V4} 54325 TYP HOST",
        f"a=remote-candidates:1 {CALLER_V4} 54321",
        "m=audio 9 UDP/TLS/RTP/SAVPF 111",
        f"c=IN IP6 {CALLER_V6}",
        "",
    ]
)


def test_a_crafted_offer_reaches_the_other_party_with_no_address_but_the_relays():
    sdp = clean_signal({"description": {"type": "offer", "sdp": CRAFTED_OFFER}}, relay_only=True)[
        "description"
    ]["sdp"]
    for address in (CALLER_V4, CALLER_V6, CALLER_LAN):
        assert address not in sdp
    assert (
        f"a=candidate:5 1 udp 41885439 {RELAY_ADDRESS} 49200 typ relay raddr 0.0.0.0 rport 0 generation 0 network-cost 10"
        in sdp
    )
    assert sdp.count("a=candidate") == 1 and "remote-candidates" not in sdp
    assert (
        "o=- 4611731400430051336 2 IN IP4 0.0.0.0" in sdp
        and "c=IN IP4 0.0.0.0" in sdp
        and "c=IN IP6 ::" in sdp
    )
    assert "a=rtcp:54322 IN IP4 0.0.0.0" in sdp and sdp.startswith("v=0\r\n") and sdp.endswith("\r\n")


def test_an_offer_with_bare_line_feeds_is_cleaned_all_the_same():
    sdp = clean_signal(
        {"description": {"type": "offer", "sdp": CRAFTED_OFFER.replace("\r\n", "\n")}}, relay_only=True
    )["description"]["sdp"]
    assert CALLER_V4 not in sdp and CALLER_LAN not in sdp and CALLER_V6 not in sdp


def test_a_trickled_relay_candidate_loses_its_related_address_and_extra_fields():
    candidate = {
        "candidate": f"candidate:5 1 udp 41885439 {RELAY_ADDRESS} 49200 typ relay raddr {CALLER_V4} rport 54321 generation 0",
        "sdpMid": "0",
        "sdpMLineIndex": 0,
        "relatedAddress": CALLER_V4,
        "relatedPort": 54321,
        "address": CALLER_V4,
        "usernameFragment": "abcd",
    }
    cleaned = clean_signal({"candidate": candidate}, relay_only=True)["candidate"]
    assert cleaned == {
        "candidate": f"candidate:5 1 udp 41885439 {RELAY_ADDRESS} 49200 typ relay raddr 0.0.0.0 rport 0 generation 0",
        "sdpMid": "0",
        "sdpMLineIndex": 0,
    }


def test_a_host_candidate_that_merely_mentions_typ_relay_is_refused():
    disguised = f"candidate:1 1 udp 2122260223 {CALLER_V4} 54321 typ host generation 0 x typ relay"
    with pytest.raises(SignalError, match="relayés"):
        clean_signal(
            {"candidate": {"candidate": disguised, "sdpMid": "0", "sdpMLineIndex": 0}}, relay_only=True
        )
    sdp = clean_signal(
        {"description": {"type": "offer", "sdp": f"v=0\r\na={disguised}\r\n"}}, relay_only=True
    )["description"]["sdp"]
    assert CALLER_V4 not in sdp
