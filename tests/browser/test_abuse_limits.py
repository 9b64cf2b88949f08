"""The caller's app under the abuse limits, in Chromium: a proof of work solved by the page, a calm refusal."""

import pytest

from ecoute.calls.models import Call, CallState
from tests.support.live import MANY_CALLERS_ONE_ADDRESS, LiveServer, PageOpener, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def new_limited_page(chromium, live_server_env):
    """Pages of a server with the real limits (every page is one source: loopback), two calls a device."""
    env = {name: value for name, value in live_server_env.items() if name not in MANY_CALLERS_ONE_ADDRESS}
    server = LiveServer(
        {**env, "ECOUTE_ABUSE_CALLS_PER_DEVICE": "2", "ECOUTE_MIN_AVAILABLE": "0"}, name="limited"
    ).start()
    opener = PageOpener(chromium, server)
    yield opener
    opener.close()
    server.stop()


def talk_now(page) -> None:
    page.click("#talk-now button[type=submit]")


def leave_queue(page) -> None:
    page.click("#call-panel [data-show=waiting] [data-action=hangup]")
    page.locator("#call-panel[data-state=idle]").wait_for(state="attached")


def calls_waiting(page, count: int) -> None:
    """Wait until COUNT calls wait in the database (a proof of work takes the page well under 30 s)."""
    for _ in range(600):
        if Call.objects.filter(state=CallState.REQUESTED).count() == count:
            return
        page.wait_for_timeout(50)
    raise AssertionError(f"{count} calls never waited at once")


def test_a_second_caller_on_the_same_network_proves_its_work_then_waits_and_a_device_over_its_limit_is_told_calmly(
    new_limited_page,
):
    first, second = new_limited_page("/"), new_limited_page("/")
    talk_now(first)
    first.locator(
        "#queue-position:has-text('prochaine personne')"
    ).wait_for()  # the source's first call: free

    talk_now(second)  # the second at once from this network: the page solves a proof of work, then joins
    second.locator("#queue-position:has-text('1 personne avant vous')").wait_for()
    calls_waiting(second, 2)

    leave_queue(second)
    calls_waiting(second, 1)
    talk_now(second)
    calls_waiting(second, 2)
    leave_queue(second)
    calls_waiting(second, 1)
    talk_now(second)  # a third call in minutes from this device: over its limit
    limited = second.locator("#call-panel[data-state=limited]")
    limited.wait_for()
    assert "Réessayez dans quelques minutes" in second.locator("#limited-reason").inner_text()
    panel = second.locator("#call-panel [data-show=limited]")
    numbers = [link.get_attribute("href") for link in panel.locator("a[href^='tel:']").all()]
    assert {"tel:15", "tel:112", "tel:3114"} <= set(numbers) and len(numbers) >= 4  # and the free number
    screenshot(second, "abuse-limit-caller")
