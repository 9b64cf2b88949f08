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
