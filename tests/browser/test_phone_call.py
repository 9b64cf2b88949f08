"""A phone call end to end: a PJSIP caller dials the line through Kamailio, the media agent puts it in the
queue, a psychologist accepts in the workspace (headless Chromium), and they hear each other.

The caller's number is in From, Contact, P-Asserted-Identity, Remote-Party-ID and Diversion; no run of
its digits reaches the database, the logs (Kamailio, the agent, the server) or anything the
psychologist's browser received (websocket frames, page).
"""

import json
import signal
import time

import pytest
from django.core import serializers

from ecoute.calls.models import Call, CallState, Channel, EndReason
from ecoute.telephony import follow_up
from tests.browser.helpers import CALL_STATS, log_in_and_go_available, wait_for_audio, wait_for_audio_sent
from tests.support.cast import make_psychologist
from tests.support.live import PageOpener, screenshot
from tests.support.phone import ONE_NUMBER_MANY_CALLS, PhoneLine, hang_up, summary_of
from tests.support.sip import CALLER_NUMBER, find_number
from tests.support.waiting import wait_for

pytestmark = [pytest.mark.browser, pytest.mark.coturn, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def phone_line(live_server_env, coturn, phone_prompts):
    """One line for both calls (a server, Kamailio and the media agent take seconds to start)."""
    line = PhoneLine(
        {**live_server_env, **coturn}, phone_prompts, edge_settings=ONE_NUMBER_MANY_CALLS
    ).start()
    yield line
    line.stop()


@pytest.fixture
def open_page(chromium, phone_line):
    opener = PageOpener(chromium, phone_line.server)
    yield opener
    opener.close()


def test_a_phone_caller_and_a_psychologist_hear_each_other_and_the_number_stays_out(phone_line, open_page):
    claire = make_psychologist("Claire")
    workspace = open_page("/espace/", viewport={"width": 1280, "height": 800})
    received = []
    workspace.on(
        "websocket", lambda socket: socket.on("framereceived", lambda frame: received.append(str(frame)))
    )
    log_in_and_go_available(workspace, claire)

    # Put through at once with # (the menu is tested in tests/telephony/test_phone_line.py).
    caller = phone_line.dial("--number", "0" + CALLER_NUMBER, "--seconds", "60", "--digits", "#")
    workspace.locator("[data-show=ringing]:visible").wait_for(timeout=120_000)
    assert workspace.locator("[data-show=ringing] p[data-phone-call]").is_visible()
    call = Call.objects.get()
    assert call.channel == Channel.PHONE
    workspace.click("[data-action=accept]")
    accepted_at = time.time()
    stats = wait_for_audio(workspace)  # the phone caller's tone, bridged into the browser
    assert stats["remoteCandidateType"] == "relay"  # the agent's media through the relay too
    assert workspace.locator("[data-show=in_call] p[data-phone-call]").is_visible()
    # The code de suivi, to read aloud: six digits shown, the same that find the caller again.
    workspace.click("#follow-up-form button")
    workspace.locator("#follow-up-code:has-text('Code de suivi')").wait_for()
    shown = "".join(ch for ch in workspace.locator("#follow-up-code").inner_text() if ch.isdigit())
    assert len(shown) == 6 and follow_up.find(shown).caller_key_hash == Call.objects.get().caller_key_hash
    wait_for_audio_sent(workspace, 3)  # the browser's beeps reach the phone
    screenshot(workspace, "workspace-phone-call")
    workspace.click("[data-action=hangup]")
    workspace.locator("[data-show=wrap_up]:visible").wait_for()

    summary = summary_of(caller)
    assert summary["hung_up_by"] == "line"  # the psychologist's hang-up reached the phone
    after_accept = summary["loudness_every_100ms"][
        int((accepted_at - summary["recording_started_at"]) * 10) + 10 :
    ]
    assert after_accept and max(after_accept) > 300, (
        summary
    )  # the browser's fake microphone, heard on the phone

    call.refresh_from_db()
    assert call.state == CallState.ENDED and call.end_reason == EndReason.PSYCHOLOGIST_HUNG_UP
    assert call.psychologist == claire
    # The record of the call says it came by phone.
    record = workspace.locator(f"#contact-slot [data-record-call='{call.pk}']")
    record.locator("[data-contact-form]").wait_for()
    assert "Téléphone" in record.inner_text()
    screenshot(workspace, "workspace-phone-wrap-up")

    # Anonymity, end to end.
    dump = serializers.serialize("json", Call.objects.all())
    assert find_number(dump) == []
    assert find_number(phone_line.logs()) == []
    assert find_number("\n".join(received)) == [], "a websocket frame to the psychologist's browser"
    assert find_number(workspace.content()) == []
    assert find_number(redis_contents()) == []


def in_dialog_answers(path) -> list[tuple[str, int]]:
    """The final answers to the phone's own requests after its INVITE, as they came (--answers-to)."""
    lines = path.read_text().splitlines() if path.exists() else []
    sent = [json.loads(line) for line in lines if json.loads(line)["request"] == "sent"]
    return [(a["method"], a["status"], a["at"]) for a in sent[1:]]


def test_a_bridged_phone_call_goes_on_both_ways_through_a_hold_an_unhold_and_an_update(
    phone_line, open_page, tmp_path
):
    claire = make_psychologist("Claire")
    workspace = open_page("/espace/", viewport={"width": 1280, "height": 800})
    log_in_and_go_available(workspace, claire)
    answers = tmp_path / "answers.jsonl"
    caller = phone_line.dial(
        "--number", "0" + CALLER_NUMBER, "--seconds", "90", "--digits", "#", "--answers-to", str(answers)
    )  # fmt: skip
    workspace.locator("[data-show=ringing]:visible").wait_for(timeout=120_000)
    workspace.click("[data-action=accept]")
    wait_for_audio(workspace)

    # The phone, in the bridged call: on hold and off (two re-INVITEs), then an UPDATE (a session
    # refresh's request), each answered 200 through the edge by the agent.
    caller.send_signal(signal.SIGUSR1)
    done = wait_for(
        lambda: len(in_dialog_answers(answers)) >= 3 and in_dialog_answers(answers),
        while_running=caller,
        what="the phone's hold, unhold and UPDATE were not all answered",
    )
    assert [(method, status) for method, status, _ in done] == [
        ("INVITE", 200),
        ("INVITE", 200),
        ("UPDATE", 200),
    ]
    updated_at = done[-1][2]
    # The caller's voice still reaches the browser after them, over the same connection.
    before = workspace.evaluate(CALL_STATS)
    after = wait_for(
        lambda: (
            (stats := workspace.evaluate(CALL_STATS))["totalAudioEnergy"] > before["totalAudioEnergy"]
            and stats
        ),
        what="no more audio reached the browser after the UPDATE",
    )
    assert after["connectionState"] == "connected" and after["bytesReceived"] > before["bytesReceived"]
    wait_for_audio_sent(workspace, 3)  # the browser's beeps reach the phone, as in the first test
    workspace.click("[data-action=hangup]")
    workspace.locator("[data-show=wrap_up]:visible").wait_for()

    summary = summary_of(caller)
    assert summary["hung_up_by"] == "line"  # the call went on to the psychologist's hang-up
    # And the browser's voice still reaches the phone after the UPDATE.
    heard_after = summary["loudness_every_100ms"][
        int((updated_at - summary["recording_started_at"]) * 10) + 5 :
    ]
    assert heard_after and max(heard_after) > 300, summary["loudness_every_100ms"][-80:]
    call = Call.objects.get()
    assert call.state == CallState.ENDED and call.end_reason == EndReason.PSYCHOLOGIST_HUNG_UP


def redis_contents() -> str:
    """Every key and value of the tests' Redis database (the cache, the abuse limits), as text."""
    from django.conf import settings

    if not settings.REDIS_URL:
        return ""
    import redis

    client = redis.Redis.from_url(settings.REDIS_URL)
    parts = []
    for key in client.scan_iter(count=1000):
        parts.append(repr(key))
        if client.type(key) == b"string":
            parts.append(repr(client.get(key)))
    return "\n".join(parts)


def test_a_supervisor_joins_a_phone_call_with_audio_and_carries_it_on(phone_line, open_page):
    from ecoute.accounts.models import Role, User
    from tests.browser.helpers import log_in

    laptop = {"width": 1280, "height": 800}
    claire = make_psychologist("Claire")
    helene = make_psychologist("Hélène")
    User.objects.filter(pk=helene.pk).update(role=Role.SUPERVISOR)
    workspace = open_page("/espace/", viewport=laptop)
    log_in_and_go_available(workspace, claire)
    caller = phone_line.dial("--number", "0" + CALLER_NUMBER, "--seconds", "90", "--digits", "#")
    workspace.locator("[data-show=ringing]:visible").wait_for(timeout=120_000)
    workspace.click("[data-action=accept]")
    wait_for_audio(workspace)

    board = open_page("/supervision/", viewport=laptop)
    log_in(board, helene, lands_on="**/supervision/")
    helene_workspace = board.context.new_page()
    helene_workspace.on("websocket", open_page._count_socket)
    helene_workspace.goto(f"{phone_line.server.url}/espace/")
    helene_workspace.locator("#status-label").wait_for()
    board.locator("[data-join-call]").click()
    helene_stats = wait_for_audio(helene_workspace)  # the phone caller's voice reaches her browser too
    assert helene_stats["remoteCandidateType"] == "relay"

    workspace.locator("#hand-over:visible").wait_for()
    workspace.click("#hand-over")
    workspace.locator("[data-show=wrap_up]:visible").wait_for()
    before = helene_workspace.evaluate(CALL_STATS)["bytesReceived"]
    helene_workspace.wait_for_timeout(1500)
    assert helene_workspace.evaluate(CALL_STATS)["bytesReceived"] > before  # she still hears the caller
    call = Call.objects.get()
    assert call.state == CallState.CONNECTED and call.psychologist_id == helene.pk

    handed_over_at = time.time()
    helene_workspace.wait_for_timeout(2500)  # her fake microphone's beeps reach the phone
    helene_workspace.click("[data-action=hangup]")
    summary = summary_of(caller)
    assert summary["hung_up_by"] == "line"
    after = summary["loudness_every_100ms"][
        int((handed_over_at - summary["recording_started_at"]) * 10) + 5 :
    ]
    assert after and max(after) > 300, summary  # the supervisor's voice, heard on the phone


# The workspace's answer, altered on its way out: its DTLS fingerprint no longer matches its
# certificate, so the agent's handshake with it fails (as with a broken or hostile network path).
WRONG_FINGERPRINT_OUT = """
const send = WebSocket.prototype.send;
WebSocket.prototype.send = function (data) {
  if (typeof data === "string" && data.includes("a=fingerprint:sha-256 ")) {
    data = data.replace(/a=fingerprint:sha-256 ([0-9A-F]{2})/, (_, pair) =>
      "a=fingerprint:sha-256 " + (pair === "00" ? "11" : "00"));
  }
  return send.call(this, data);
};
"""


def test_a_failed_handshake_with_the_workspace_is_told_and_leaves_the_agent_sound(
    live_server_env, coturn, phone_prompts, chromium
):
    # A line of its own: the agent is stopped at the end, and must stop cleanly.
    line = PhoneLine({**live_server_env, **coturn}, phone_prompts).start()
    opener = PageOpener(chromium, line.server)
    try:
        claire = make_psychologist("Claire")
        workspace = opener("/espace/", viewport={"width": 1280, "height": 800})
        workspace.add_init_script(WRONG_FINGERPRINT_OUT)
        log_in_and_go_available(workspace, claire)
        caller = line.dial("--number", "0" + CALLER_NUMBER, "--seconds", "120", "--digits", "#")
        workspace.locator("[data-show=ringing]:visible").wait_for(timeout=120_000)
        workspace.click("[data-action=accept]")
        # The browser's own handshake succeeds; the agent's does not, and it closes its side: the
        # psychologist is told the audio does not pass instead of hearing a silence called connected.
        wait_for(
            lambda: (workspace.evaluate(CALL_STATS) or {}).get("connectionState") == "failed",
            while_running=caller,
            what="the workspace was not told the audio does not pass",
        )
        assert workspace.evaluate(CALL_STATS)["bytesReceived"] == 0
        workspace.locator("text=L’audio ne passe pas").wait_for()
        assert "the media with the psychologist's browser failed" in line.agent_log.read_text()
        summary = hang_up(caller)
        assert summary["hung_up_by"] == "caller"
        wait_for(
            lambda: Call.objects.get().state == CallState.ENDED,
            what="the call did not end at the caller's hang-up",
        )
    finally:
        opener.close()
        line.stop()
    # Nothing of the failed call was left behind to be freed after PJSIP (it aborted the agent).
    assert line.agent.returncode == 0, line.agent_log.read_text()[-3000:]
