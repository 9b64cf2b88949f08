"""A real phone call (PJSIP caller -> Kamailio -> the media agent -> the server's queue), without a browser."""

import asyncio
import re
import time
import uuid

import pytest
from asgiref.sync import sync_to_async

from ecoute.calls.models import (
    Alert,
    AlertKind,
    Call,
    CallState,
    Channel,
    EndReason,
    Priority,
    Ring,
    RingOutcome,
)
from ecoute.feedback.models import FeedbackCount
from ecoute.presence.models import Status
from tests.support.cast import make_psychologist
from tests.support.phone import ONE_NUMBER_MANY_CALLS, PhoneLine, hang_up, summary_of
from tests.support.server_sockets import open_socket
from tests.support.sip import CALLER_NUMBER, find_number, send_udp
from tests.support.twofactor import verified_session_cookie
from tests.support.waiting import wait_for

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(scope="module")
def phone_line(live_server_env, phone_prompts):
    """One line for the module's ordinary calls: starting a server, Kamailio and the media agent takes
    seconds, and each test's tables are emptied under it as under the browser tests' server."""
    # No workspace socket sends heartbeats here: a psychologist made available stays so.
    env = {"ECOUTE_CALLER_TIMEOUT": "30", "ECOUTE_PRESENCE_TIMEOUT": "600"}
    line = PhoneLine({**live_server_env, **env}, phone_prompts, edge_settings=ONE_NUMBER_MANY_CALLS)
    line.start()
    yield line
    line.stop()


def hang_up_and_see_it_abandoned(line: PhoneLine, caller, call: Call) -> None:
    """The caller puts the phone down once the test saw what it came for; the server abandons the
    call before the next test's tables are emptied (a late save would bring its row back)."""
    hang_up(caller)
    wait_for(
        lambda: Call.objects.filter(pk=call.pk, state=CallState.ABANDONED).exists(),
        while_running=line.server.process,
        what="the hung-up call was not abandoned",
    )


def never_silent(levels: list[int], longest_ms: int = 2000) -> bool:
    """No LONGEST_MS in a row below a whisper in these 100 ms levels."""
    quiet = 0
    for level in levels:
        quiet = quiet + 1 if level < 100 else 0
        if quiet * 100 >= longest_ms:
            return False
    return True


def test_a_phone_caller_hears_the_welcome_waits_in_the_queue_and_hanging_up_abandons(phone_line):
    caller = phone_line.dial("--number", "0" + CALLER_NUMBER, "--seconds", "28")
    call = wait_for(lambda: Call.objects.filter(channel=Channel.PHONE).first(), while_running=caller)
    assert call.state == CallState.REQUESTED and call.queued_at is not None and call.language is None
    summary = summary_of(caller)
    assert summary["answered_after"] is not None and summary["answered_after"] < 2
    # Spoken from the first second to the hang-up: the welcome, the menu, then the wait's prompts.
    levels = summary["loudness_every_100ms"]
    assert len(levels) > 250 and never_silent(levels[5:]), levels
    # The caller hangs up after its 28 s: the server, still running, abandons the call.
    call = wait_for(
        lambda: Call.objects.filter(pk=call.pk, state=CallState.ABANDONED).first(),
        while_running=phone_line.server.process,
    )
    assert call.end_reason == EndReason.CALLER_LEFT
    assert find_number(phone_line.logs()) == []


@pytest.fixture
def short_timeout_line(live_server_env, phone_prompts):
    line = PhoneLine(
        {**live_server_env, "ECOUTE_CALLER_TIMEOUT": "10", "ECOUTE_QUEUE_REFRESH_SECONDS": "2"}, phone_prompts
    ).start()
    yield line
    line.stop()


def test_hanging_up_in_the_menu_leaves_an_abandoned_phone_call_linked_to_nothing(phone_line):
    caller = phone_line.dial("--number", "0" + CALLER_NUMBER, "--seconds", "4")  # the menu lasts longer
    assert summary_of(caller)["hung_up_by"] == "caller"
    call = wait_for(
        lambda: Call.objects.filter(channel=Channel.PHONE).first(), while_running=phone_line.server.process
    )
    assert call.state == CallState.ABANDONED and call.end_reason == EndReason.LEFT_IN_MENU
    assert call.caller_key_hash == "" and call.queued_at is None
    assert 3 <= (call.ended_at - call.requested_at).total_seconds() <= 10
    assert not Call.objects.exclude(pk=call.pk).exists()
    assert find_number(phone_line.logs()) == []


def test_hash_puts_the_caller_through_without_waiting_for_the_menus_end(phone_line):
    # Hung up 6 s after the answer, long before the menu's end (about 20 s): without # this is a call
    # left in the menu; with # it had joined the queue, and leaving abandons it there.
    caller = phone_line.dial("--number", "0" + CALLER_NUMBER, "--seconds", "6", "--digits", "#")
    assert summary_of(caller)["hung_up_by"] == "caller"
    call = wait_for(
        lambda: Call.objects.filter(channel=Channel.PHONE, state=CallState.ABANDONED).first(),
        while_running=phone_line.server.process,
    )
    assert call.queued_at is not None and call.end_reason == EndReason.CALLER_LEFT
    assert call.language is None and call.priority == Priority.NORMAL  # an ordinary call, in French


@pytest.fixture
def supervisor_offer_line(live_server_env, phone_prompts):
    line = PhoneLine(live_server_env, phone_prompts, agent_env={"ECOUTE_PHONE_SUPERVISOR_OFFER": "2"}).start()
    yield line
    line.stop()


def test_after_a_long_wait_the_caller_presses_9_and_the_supervisors_are_alerted(supervisor_offer_line):
    make_psychologist("Claire", status=Status.IN_CALL)  # nobody free: the call waits
    # 9 every 3 s from the first second: ignored in the menu and before the offer, heard after it.
    caller = supervisor_offer_line.dial(
        "--number", "0" + CALLER_NUMBER, "--seconds", "150", "--digits", "9", "--digits-every", "3"
    )
    call = wait_for(lambda: Call.objects.filter(channel=Channel.PHONE).first(), while_running=caller)
    alert = wait_for(
        lambda: Alert.objects.filter(call=call, kind=AlertKind.TRANSFER).first(), while_running=caller
    )
    assert alert.psychologist_id is None and Call.objects.get(pk=call.pk).state == CallState.REQUESTED
    log = supervisor_offer_line.agent_log.read_text()
    assert log.index("a supervisor is offered") < log.index("asked for a supervisor")
    time.sleep(4)  # more 9s: still one alert
    assert Alert.objects.filter(call=call, kind=AlertKind.TRANSFER).count() == 1
    hang_up(caller)
    assert find_number(supervisor_offer_line.logs()) == []


@pytest.fixture
def strict_codes_line(live_server_env, phone_prompts):
    line = PhoneLine({**live_server_env, "ECOUTE_FOLLOW_UP_WRONG_PER_NUMBER": "1"}, phone_prompts).start()
    yield line
    line.stop()


def test_a_number_that_keyed_a_wrong_code_is_told_its_next_code_is_not_checked(strict_codes_line):
    make_psychologist("Claire", status=Status.IN_CALL)
    for calls in (1, 2):
        caller = strict_codes_line.dial(
            "--number", "0" + CALLER_NUMBER, "--seconds", "90", "--digits", "*000000"
        )
        wait_for(
            lambda: Call.objects.filter(channel=Channel.PHONE).count() == calls,  # noqa: B023
            while_running=caller,  # noqa: B023
        )
        hang_up(caller)
    log = strict_codes_line.agent_log.read_text()
    assert log.count("the code de suivi is unknown") == 1
    assert log.count("the code de suivi is not checked (too many wrong codes)") == 1
    assert find_number(strict_codes_line.logs()) == []


def test_hold_unhold_an_update_and_session_refreshes_pass_the_edge_and_the_call_goes_on(phone_line):
    make_psychologist("Claire", status=Status.IN_CALL)  # the call waits, its prompts playing
    caller = phone_line.dial(
        "--number", "0" + CALLER_NUMBER, "--seconds", "66", "--session-expires", "90",
        "--hold-after", "5", "--update-after", "9",
    )  # fmt: skip
    summary = summary_of(caller)
    assert summary["hung_up_by"] == "caller", summary["answers"]
    sent = [(a["method"], a["status"]) for a in summary["answers"] if a["request"] == "sent"]
    # The call, the hold and the unhold (re-INVITEs), the UPDATE: each answered 200 through the edge.
    assert sent[:4] == [("INVITE", 200), ("INVITE", 200), ("INVITE", 200), ("UPDATE", 200)], sent
    # Session timers of 90 s: each of those requests refreshed the session; the next refresh (a
    # re-INVITE or an UPDATE, by either side) comes at half the interval after the UPDATE, answered 200.
    refreshes = [
        a for a in summary["answers"]
        if a["method"] in ("INVITE", "UPDATE") and a["after"] and 9 + 40 <= a["after"] <= 9 + 55
    ]  # fmt: skip
    assert refreshes and all(a["status"] == 200 for a in refreshes), summary["answers"]
    # The prompts went on after the hold, through the UPDATE and the refresh, to the hang-up.
    levels = summary["loudness_every_100ms"]
    assert len(levels) > 600 and never_silent(levels[85:]), levels[85:]
    call = wait_for(
        lambda: Call.objects.filter(channel=Channel.PHONE, state=CallState.ABANDONED).first(),
        while_running=phone_line.server.process,
    )
    assert call.end_reason == EndReason.CALLER_LEFT  # waited to the end: the caller left, nothing dropped
    assert find_number(phone_line.logs()) == []


def test_the_agent_killed_during_a_call_leaves_no_call_waiting_for_ever(short_timeout_line):
    caller = short_timeout_line.dial("--number", "0" + CALLER_NUMBER, "--seconds", "45", "--digits", "#")
    call = wait_for(lambda: Call.objects.filter(channel=Channel.PHONE).first(), while_running=caller)
    short_timeout_line.agent.kill()  # as a crash would: no goodbye on any socket
    short_timeout_line.agent.wait(5)
    # The call's socket is gone: the server keeps its place a while (as for an app whose network
    # dropped), then abandons it. Its record is never "waiting" for ever.
    call = wait_for(
        lambda: Call.objects.filter(pk=call.pk, state=CallState.ABANDONED).first(),
        while_running=short_timeout_line.server.process,
    )
    assert call.end_reason == EndReason.CALLER_LOST
    caller.kill()
    caller.wait(5)


def test_pressing_2_asks_for_an_english_speaking_psychologist(phone_line):
    make_psychologist("Jane", languages=("fr", "en"), status=Status.IN_CALL)  # nobody free: it waits
    caller = phone_line.dial("--number", "0" + CALLER_NUMBER, "--seconds", "20", "--digits", "2")
    call = wait_for(lambda: Call.objects.filter(channel=Channel.PHONE).first(), while_running=caller)
    assert call.language.code == "en" and call.priority == Priority.NORMAL
    hang_up_and_see_it_abandoned(phone_line, caller, call)


def test_pressing_1_puts_the_caller_first_and_alerts_supervisors(phone_line):
    make_psychologist("Claire", status=Status.IN_CALL)
    caller = phone_line.dial("--number", "0" + CALLER_NUMBER, "--seconds", "20", "--digits", "1")
    call = wait_for(
        lambda: Call.objects.filter(channel=Channel.PHONE, priority=Priority.URGENT).first(),
        while_running=caller,
    )
    assert Alert.objects.filter(call=call, kind=AlertKind.DANGER).exists()
    hang_up_and_see_it_abandoned(phone_line, caller, call)


def test_hanging_up_while_it_rings_cancels_the_ring_and_abandons_the_call(phone_line):
    claire = make_psychologist("Claire", status=Status.AVAILABLE)
    caller = phone_line.dial("--number", "0" + CALLER_NUMBER, "--seconds", "60", "--digits", "#")
    ring = wait_for(
        lambda: Ring.objects.filter(psychologist=claire, outcome=RingOutcome.RINGING).first(),
        while_running=caller,
    )
    # The caller puts the phone down while Claire's workspace rings.
    assert hang_up(caller)["hung_up_by"] == "caller"
    ring = wait_for(
        lambda: Ring.objects.filter(pk=ring.pk, outcome=RingOutcome.CANCELLED).first(),
        while_running=phone_line.server.process,
    )
    call = Call.objects.get(pk=ring.call_id)
    assert call.state == CallState.ABANDONED and call.end_reason == EndReason.CALLER_LEFT
    # A hang-up is no fault of the line: the agent tells it once and warns of nothing about this call
    # (the line is shared by the module's tests: its log holds theirs too).
    log = phone_line.agent_log.read_text()
    token = re.search(rf"phone call (\w+) is line call {call.pk}", log).group(1)
    assert not [line for line in log.splitlines() if token in line and "WARNING" in line], log[-2000:]


def test_a_code_de_suivi_brings_the_phone_caller_back_to_the_same_psychologist(phone_line):
    from ecoute.lib import clock
    from ecoute.telephony import follow_up

    claire = make_psychologist("Claire", status=Status.IN_CALL)  # busy: the call waits for her
    make_psychologist("Amélie", status=Status.IN_CALL)
    now = clock.now()
    earlier = Call.objects.create(
        channel=Channel.PHONE,
        state=CallState.CONNECTED,
        psychologist=claire,
        caller_key_hash="e" * 64,
        requested_at=now,
        answered_at=now,
    )
    code = follow_up.give(earlier.pk, claire.pk)  # what Claire's workspace showed her at the end
    caller = phone_line.dial("--number", "0" + CALLER_NUMBER, "--seconds", "25", "--digits", "*" + code)
    call = wait_for(
        lambda: Call.objects.filter(channel=Channel.PHONE).exclude(pk=earlier.pk).first(),
        while_running=caller,
    )
    assert call.preferred_psychologist == claire and call.caller_key_hash == "e" * 64
    hang_up_and_see_it_abandoned(phone_line, caller, call)

    # A code nobody gave: the call joins as any other, linked to nothing.
    unknown = "000000" if code != "000000" else "999999"
    caller = phone_line.dial("--number", "0655443322", "--seconds", "25", "--digits", "*" + unknown)
    other = wait_for(
        lambda: Call.objects.filter(channel=Channel.PHONE).exclude(pk__in=[earlier.pk, call.pk]).first(),
        while_running=caller,
    )
    assert other.preferred_psychologist is None and other.caller_key_hash not in ("", "e" * 64)
    hang_up_and_see_it_abandoned(phone_line, caller, other)


def _invite(port: int, body: str = "") -> bytes:
    branch = uuid.uuid4().hex
    headers = (
        f"INVITE sip:0805232336@127.0.0.1:{port} SIP/2.0\r\n"
        f"Via: SIP/2.0/UDP 127.0.0.1:9;rport;branch=z9hG4bK{branch}\r\n"
        f"From: <sip:0{CALLER_NUMBER}@operator.example>;tag={branch[:8]}\r\n"
        f"To: <sip:0805232336@127.0.0.1>\r\n"
        f"Call-ID: {branch}\r\nCSeq: 1 INVITE\r\nMax-Forwards: 70\r\n"
        f"Contact: <sip:0{CALLER_NUMBER}@127.0.0.1:9>\r\n"
    )
    if body:
        headers += "Content-Type: application/sdp\r\n"
    return (headers + f"Content-Length: {len(body)}\r\n\r\n{body}").encode()


def test_unknown_codecs_and_an_invite_without_sdp_get_a_clear_answer_and_the_agent_stays_up(phone_line):
    port = phone_line.edge.settings.edge_port
    only_g729 = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 47000 RTP/AVP 18\r\na=rtpmap:18 G729/8000\r\n"
    assert send_udp(port, _invite(port, only_g729), timeout=30).startswith("SIP/2.0 488")
    # Without SDP (a delayed offer): answered with the agent's offer, or refused clearly, never silence.
    answer = send_udp(port, _invite(port), timeout=30)
    assert re.match(r"SIP/2\.0 (200|4\d\d|5\d\d) ", answer), answer
    assert phone_line.agent.poll() is None
    # The line still answers a genuine call.
    caller = phone_line.dial("--number", "0655443322", "--seconds", "3")
    assert summary_of(caller)["answered_after"] is not None
    assert find_number(phone_line.logs()) == []


async def answer_then_hang_up(server, psychologist, talk_seconds: float = 3) -> str:
    """The psychologist's workspace (a socket on the live server) answers the phone call, then hangs up."""
    cookie = await sync_to_async(verified_session_cookie)(psychologist)
    workspace = await open_socket(server, "/ws/workspace/", cookie)
    await workspace.expect("presence.self")
    await workspace.send({"type": "status.set", "status": "available"})
    call_id = (await workspace.expect("call.ringing", timeout=120))["call_id"]  # after the menu
    await workspace.send({"type": "call.accept", "call_id": call_id})
    await workspace.expect("call.connected")
    await asyncio.sleep(talk_seconds)
    await workspace.send({"type": "call.hangup", "call_id": call_id})
    await workspace.expect("call.ended")
    await workspace.connection.close()
    return call_id


def test_after_the_psychologist_hangs_up_the_callers_key_says_whether_it_helped(phone_line):
    claire = make_psychologist("Claire", status=Status.OFFLINE)
    # The caller keys 3 every 2 s from the start: no choice in the menu, nothing while waiting or
    # talking, "non" once the question is asked after the psychologist hung up.
    caller = phone_line.dial(
        "--number", "0" + CALLER_NUMBER, "--digits", "3", "--digits-every", "2", "--seconds", "120"
    )
    call_id = asyncio.run(answer_then_hang_up(phone_line.server, claire))
    counted = wait_for(
        lambda: FeedbackCount.objects.filter(channel=Channel.PHONE).first(), while_running=caller
    )
    assert (counted.helped, counted.count, counted.month.day) == ("no", 1, 1)
    summary = summary_of(caller)
    assert summary["hung_up_by"] == "line"  # thanked, then the line hangs up
    assert Call.objects.get(pk=call_id).end_reason == EndReason.PSYCHOLOGIST_HUNG_UP
    assert FeedbackCount.objects.get().count == 1  # the keys after the answer count nothing more
    assert find_number(phone_line.logs()) == []


def test_a_phone_caller_who_keys_nothing_after_the_call_is_not_counted(phone_line):
    claire = make_psychologist("Claire", status=Status.OFFLINE)
    caller = phone_line.dial("--number", "0" + CALLER_NUMBER, "--seconds", "120")
    asyncio.run(answer_then_hang_up(phone_line.server, claire))
    assert summary_of(caller)["hung_up_by"] == "line"  # the question, a pause, then the line hangs up
    assert not FeedbackCount.objects.exists()
