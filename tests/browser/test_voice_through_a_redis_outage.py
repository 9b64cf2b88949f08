"""The voice of a call in progress goes on while Redis is down: two Chromium contexts through coturn.

The caller's app is served by one server process, the psychologist's workspace by another, both on
a Redis of the test's own that is stopped mid-call and started again. Audio keeps arriving on both
sides, neither app sees its connection drop, and once Redis is back the hang-up crosses again.
"""

import pytest

from ecoute.calls.models import Call, CallState
from tests.browser.helpers import CALL_STATS, card, log_in_and_go_available, wait_for_audio
from tests.support.backends import need_postgres
from tests.support.cast import make_psychologist
from tests.support.live import LiveServer, PageOpener, screenshot
from tests.support.own_redis import own_redis  # noqa: F401 (a fixture)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.coturn,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def two_relayed_servers(live_server_env, coturn, own_redis):
    need_postgres()
    env = {**live_server_env, **coturn, "REDIS_URL": own_redis.url, "ECOUTE_CHANNEL_PREFIX": "voice-outage"}
    servers = [LiveServer(env, name=f"voice-outage-{n}").start() for n in (1, 2)]
    yield servers
    for server in servers:
        server.stop()


@pytest.fixture
def openers(chromium, two_relayed_servers):
    opened = [PageOpener(chromium, server) for server in two_relayed_servers]
    yield opened
    for opener in opened:
        opener.close()


def audio_keeps_arriving(page, more_bytes: int = 20000, timeout_ms: int = 20000) -> None:
    """Wait until MORE_BYTES more audio bytes have arrived on PAGE's peer connection, still connected."""
    start = page.evaluate(CALL_STATS)["bytesReceived"]
    for _ in range(timeout_ms // 200):
        stats = page.evaluate(CALL_STATS)
        assert stats["connectionState"] == "connected", stats
        if stats["bytesReceived"] - start >= more_bytes:
            return
        page.wait_for_timeout(200)
    raise AssertionError(f"audio stopped arriving: {stats}")


def wait_until_reconnected(servers, timeout_ms: int = 30000, page=None) -> None:
    """Each server process says it reaches Redis again (it probes with backoff, at most 5 s apart)."""
    for _ in range(timeout_ms // 200):
        if all("the channel layer carries events again" in server.log() for server in servers):
            return
        page.wait_for_timeout(200)
    raise AssertionError("a server process did not reach Redis again")


def test_the_voice_goes_on_while_redis_is_down(openers, own_redis, two_relayed_servers):
    caller_opener, workspace_opener = openers
    claire = make_psychologist("Claire")
    workspace = workspace_opener("/espace/", viewport={"width": 1280, "height": 800})
    log_in_and_go_available(workspace, claire)
    caller = caller_opener("/")
    card(caller, claire).locator("[data-call]:enabled").click()
    workspace.locator("[data-show=ringing]:visible").wait_for()
    workspace.click("[data-action=accept]")
    wait_for_audio(caller)
    wait_for_audio(workspace)

    own_redis.stop()
    for _ in range(3):  # some seconds of conversation without Redis, heartbeats and timers included
        audio_keeps_arriving(caller)
        audio_keeps_arriving(workspace)
    assert caller.locator("#call-panel[data-state=connected]").is_visible()
    assert caller.locator("#connection").is_hidden() and workspace.locator("#connection").is_hidden()
    screenshot(caller, "caller-in-call-redis-down")
    assert Call.objects.get().state == CallState.CONNECTED

    own_redis.start()
    wait_until_reconnected(two_relayed_servers, page=caller)
    audio_keeps_arriving(caller)
    # Once this process has subscribed again, the caller's hang-up reaches the other process.
    caller.click("#call-panel [data-show=connected] [data-action=hangup]")
    caller.locator("#call-panel[data-state=ended]").wait_for()
    workspace.locator("[data-show=wrap_up]:visible").wait_for(timeout=90_000)
    assert Call.objects.get().state == CallState.ENDED
