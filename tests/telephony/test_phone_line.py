"""A real phone call (PJSIP caller -> Kamailio -> the media agent -> the server's queue), without a browser."""

import time

import pytest

from ecoute.calls.models import Call, CallState, Channel, EndReason
from tests.support.phone import PhoneLine, summary_of
from tests.support.sip import CALLER_NUMBER, find_number

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def phone_line(live_server_env, phone_prompts):
    line = PhoneLine({**live_server_env, "ECOUTE_CALLER_TIMEOUT": "30"}, phone_prompts).start()
    yield line
    line.stop()


def wait_for(condition, timeout: float = 20):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError("still not true")


def test_a_phone_caller_hears_the_welcome_waits_in_the_queue_and_hanging_up_abandons(phone_line):
    caller = phone_line.dial("--number", "0" + CALLER_NUMBER, "--seconds", "6")
    call = wait_for(lambda: Call.objects.filter(channel=Channel.PHONE).first())
    assert call.state == CallState.REQUESTED and call.queued_at is not None
    summary = summary_of(caller)
    assert summary["answered_after"] is not None and summary["answered_after"] < 2
    # The welcome was spoken (not silence) from the first seconds.
    assert max(summary["loudness_every_100ms"][:30]) > 300, summary
    call = wait_for(lambda: Call.objects.filter(pk=call.pk, state=CallState.ABANDONED).first())
    assert call.end_reason == EndReason.CALLER_LEFT
    assert find_number(phone_line.logs()) == []


@pytest.fixture
def short_timeout_line(live_server_env, phone_prompts):
    line = PhoneLine(
        {**live_server_env, "ECOUTE_CALLER_TIMEOUT": "10", "ECOUTE_QUEUE_REFRESH_SECONDS": "2"}, phone_prompts
    ).start()
    yield line
    line.stop()


def test_the_agent_killed_during_a_call_leaves_no_call_waiting_for_ever(short_timeout_line):
    caller = short_timeout_line.dial("--number", "0" + CALLER_NUMBER, "--seconds", "25")
    call = wait_for(lambda: Call.objects.filter(channel=Channel.PHONE).first())
    short_timeout_line.agent.kill()  # as a crash would: no goodbye on any socket
    short_timeout_line.agent.wait(5)
    # The call's socket is gone: the server keeps its place a while (as for an app whose network
    # dropped), then abandons it. Its record is never "waiting" for ever.
    call = wait_for(lambda: Call.objects.filter(pk=call.pk, state=CallState.ABANDONED).first(), timeout=30)
    assert call.end_reason == EndReason.CALLER_LOST
    caller.kill()
    caller.wait(5)
