"""The SIP edge (Kamailio, telephony/kamailio/kamailio.cfg): the caller's number stops there.

A real sipp caller and a real sipp peer standing for the line, on each side of a real Kamailio
started by tools/sip_edge.py. Under CI=true a missing Kamailio or sipp fails these tests.
"""

import re
import socket
import uuid

import pytest

from tests.support.sip import (
    CALLER_NUMBER,
    LINE_NUMBER,
    Edge,
    find_number,
    send_udp,
    sipp_call,
    sipp_line,
)


@pytest.fixture(scope="module")
def edge():
    edge = Edge(invites_per_number=5, pike_density=40).start()
    yield edge
    edge.stop()
    # Whatever the module's tests sent, Kamailio's output never held the caller's number.
    assert find_number(edge.log()) == [], edge.log()


def _received(trace) -> str:
    return trace.read_text(errors="replace")


def _invite(text: str) -> str:
    start = text.index("INVITE sip:")
    return text[start : text.index("\n\n", start) + 1]


def test_the_line_receives_a_token_and_a_hash_never_the_number(edge, tmp_path):
    line, trace = sipp_line(edge.settings.media_port, "line", tmp_path)
    call = sipp_call(edge.settings.edge_port, "caller", tmp_path)
    assert line.wait(20) == 0, call.stdout[-2000:]
    assert call.returncode == 0, call.stdout[-2000:]

    received = _received(trace)
    # The number was in From, Contact, P-Asserted-Identity, P-Preferred-Identity, Remote-Party-ID,
    # Diversion and History-Info: no run of 6 of its digits reached the line, in any message.
    assert find_number(received) == []
    invite = _invite(received)
    for header in (
        "P-Asserted-Identity",
        "P-Preferred-Identity",
        "Remote-Party-ID",
        "Diversion",
        "History-Info",
    ):
        assert f"\n{header}:" not in invite
    assert "From: Anonyme <sip:anonymous@anonymous.invalid>" in invite
    token = re.search(r"\nX-Ecoute-Call: ([0-9a-f]{32})\n", invite).group(1)
    assert f"Contact: <sip:{token}@caller.invalid>" in invite
    assert re.search(r"\nX-Ecoute-Source: [0-9a-f]{64}\n", invite)
    assert re.search(r"\nX-Ecoute-Source-Previous: [0-9a-f]{64}\n", invite)
    # The caller dialled the line: its number (not the caller's) is still there, in To.
    assert f"To: <sip:{LINE_NUMBER}@" in invite
    # The caller's own side had the number all along (the test would have caught nothing otherwise).
    assert CALLER_NUMBER in (tmp_path / "caller-caller.msg").read_text()


def test_the_same_number_has_the_same_hash_and_another_number_another(edge, tmp_path):
    hashes = []
    for number in (CALLER_NUMBER, CALLER_NUMBER, "698765432"):
        line, trace = sipp_line(edge.settings.media_port, "line", tmp_path)
        assert sipp_call(edge.settings.edge_port, "caller", tmp_path, number=number).returncode == 0
        assert line.wait(20) == 0
        hashes.append(re.search(r"\nX-Ecoute-Source: (\w+)\n", _received(trace)).group(1))
        trace.unlink()
    assert hashes[0] == hashes[1] != hashes[2]


def test_the_lines_hang_up_reaches_the_caller_through_the_token(edge, tmp_path):
    line, trace = sipp_line(edge.settings.media_port, "line_hangs_up", tmp_path)
    call = sipp_call(edge.settings.edge_port, "caller_hung_up_on", tmp_path)
    assert line.wait(20) == 0
    assert call.returncode == 0, call.stdout[-2000:]
    received = _received(trace)
    assert find_number(received) == []
    assert "SIP/2.0 200 OK" in received.split("BYE sip:", 1)[1]  # the caller answered the line's BYE


def _request(
    method: str, port: int, extra: str = "", from_user: str = "0" + CALLER_NUMBER, body: str = ""
) -> bytes:
    branch = uuid.uuid4().hex
    return (
        f"{method} sip:{LINE_NUMBER}@127.0.0.1:{port} SIP/2.0\r\n"
        f"Via: SIP/2.0/UDP 127.0.0.1:9;rport;branch=z9hG4bK{branch}\r\n"
        f"From: <sip:{from_user}@operator.example>;tag={branch[:8]}\r\n"
        f"To: <sip:{LINE_NUMBER}@127.0.0.1>\r\n"
        f"Call-ID: {branch}\r\nCSeq: 1 {method}\r\nMax-Forwards: 70\r\n{extra}"
        f"Content-Length: {len(body)}\r\n\r\n{body}"
    ).encode()


def test_bad_requests_get_a_clear_answer_and_the_edge_stays_up(edge):
    port = edge.settings.edge_port
    malformed_from = _request("INVITE", port).replace(b"@operator.example>", b"@operator.example")
    assert send_udp(port, malformed_from).startswith("SIP/2.0 400")
    bad_cseq = _request("INVITE", port).replace(b"CSeq: 1 INVITE", b"CSeq: one INVITE")
    assert send_udp(port, bad_cseq).startswith("SIP/2.0 400")
    assert send_udp(port, _request("REGISTER", port)).startswith("SIP/2.0 405")
    assert send_udp(port, _request("MESSAGE", port, body="0" + CALLER_NUMBER)).startswith("SIP/2.0 405")
    # Not SIP at all: nothing to answer in SIP, and nothing breaks.
    assert send_udp(port, b"\x00\x01 0" + CALLER_NUMBER.encode() + b" \xff\r\n\r\n", timeout=0.5) == ""
    send_udp(port, b"INVITE " + b"A" * 60000 + b"\r\n\r\n", timeout=0.5)  # oversized: dropped
    assert edge.process.poll() is None
    assert edge.options_answer().startswith("SIP/2.0 200")


def test_an_invite_from_outside_the_trunk_is_forbidden(tmp_path):
    outside = Edge(trunk_networks=["192.0.2.0/24"]).start()
    try:
        assert send_udp(
            outside.settings.edge_port, _request("INVITE", outside.settings.edge_port)
        ).startswith("SIP/2.0 403")
    finally:
        outside.stop()
    assert find_number(outside.log()) == []


def test_a_flood_of_invites_from_one_number_is_refused_and_others_still_get_through(edge, tmp_path):
    port = edge.settings.edge_port
    finals = []
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.settimeout(10)
        for _ in range(12):  # the limit is 5 a minute; nobody listens on the line's side here
            sock.sendto(_request("INVITE", port, from_user="0611223344"), ("127.0.0.1", port))
        # 7 refusals at once; the 5 let through end when the line does not answer (tm's timer).
        while len(finals) < 12:
            answer = sock.recv(65535).decode(errors="replace")
            if not answer.startswith("SIP/2.0 1"):
                finals.append(answer)
    refused = [
        answer for answer in finals if answer.startswith("SIP/2.0 503 Too many calls from this number")
    ]
    assert len(refused) == 7, [answer.split("\r\n")[0] for answer in finals]
    assert all("Retry-After: 60" in answer for answer in refused)
    unanswered = [answer for answer in finals if answer.startswith("SIP/2.0 503 The line is unavailable")]
    assert len(unanswered) == 5
    # Another number still reaches the line.
    line, _ = sipp_line(edge.settings.media_port, "line", tmp_path)
    assert sipp_call(edge.settings.edge_port, "caller", tmp_path, number="655443322").returncode == 0
    assert line.wait(20) == 0
    assert find_number(edge.log(), "611223344") == []


def test_a_flood_of_requests_from_one_address_is_slowed_down(tmp_path):
    flooded = Edge(pike_density=20).start()
    try:
        answers = []
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            sock.bind(("127.0.0.1", 0))
            sock.settimeout(0.3)
            for _ in range(150):
                sock.sendto(
                    _request("OPTIONS", flooded.settings.edge_port), ("127.0.0.1", flooded.settings.edge_port)
                )
            try:
                while True:
                    answers.append(sock.recv(65535).decode(errors="replace"))
            except TimeoutError:
                pass
        assert any(answer.startswith("SIP/2.0 503 Too many requests from this address") for answer in answers)
        assert flooded.process.poll() is None
    finally:
        flooded.stop()


def test_new_calls_are_spread_over_the_media_agents(tmp_path):
    from tests.support.sip import free_udp_port

    spread = Edge(more_media_ports=[free_udp_port()]).start()
    try:
        ports = [spread.settings.media_port, *spread.settings.more_media_ports]
        lines = [sipp_line(port, "line", tmp_path) for port in ports]
        for number in ("611111111", "622222222"):
            assert sipp_call(spread.settings.edge_port, "caller", tmp_path, number=number).returncode == 0
        # Each agent answered one call (an agent holds 4: the edge goes round them).
        assert [line.wait(20) for line, _ in lines] == [0, 0]
        assert all("X-Ecoute-Call:" in trace.read_text() for _, trace in lines)
    finally:
        spread.stop()


def test_a_full_media_agent_passes_the_call_to_the_next(tmp_path):
    from tests.support.sip import free_udp_port

    spread = Edge(more_media_ports=[free_udp_port()]).start()
    try:
        _, busy_trace = sipp_line(spread.settings.media_port, "line_busy", tmp_path, calls=2)
        free, trace = sipp_line(spread.settings.more_media_ports[0], "line", tmp_path, calls=2)
        # Two calls: the edge goes round the agents, so one of them is offered to the full one first.
        for number in ("611111111", "622222222"):
            assert sipp_call(spread.settings.edge_port, "caller", tmp_path, number=number).returncode == 0
        assert free.wait(20) == 0  # the free agent answered both
        assert "SIP/2.0 486 Busy Here" in busy_trace.read_text()  # after the first said it was full
        assert find_number(trace.read_text()) == [] and find_number(busy_trace.read_text()) == []
    finally:
        spread.stop()
