"""The queue in two real browsers: a caller waits, sees their place move up, and talks when someone frees up."""

import pytest

from ecoute.calls.models import Call, CallState
from tests.browser.helpers import log_in, wait_for_audio
from tests.support.cast import make_psychologist
from tests.support.live import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.coturn, pytest.mark.django_db(transaction=True)]
LAPTOP = {"width": 1280, "height": 800}
# Keeps the page's websockets within the test's reach, to cut one as a lost network would.
KEEP_SOCKETS = """
window.openSockets = [];
window.WebSocket = class extends WebSocket {
  constructor(...args) { super(...args); window.openSockets.push(this); }
};
"""


def workspace_on_break(new_page, user):
    page = new_page("/espace/", viewport=LAPTOP)
    log_in(page, user)
    page.click("[data-status=break]")
    page.wait_for_selector("#status-label:has-text('En pause')")
    return page


def talk_now(caller) -> None:
    caller.click("#talk-now button[type=submit]")
    caller.locator("#call-panel[data-state=waiting]").wait_for()


def two_callers_waiting(new_page, first_script: str = ""):
    """Claire on break, a first caller next in line, a second one behind."""
    workspace_on_break(new_page, make_psychologist("Claire"))
    first, second = new_page("/"), new_page("/")
    if first_script:
        first.add_init_script(first_script)
        first.reload()
    talk_now(first)
    first.locator("#queue-position:has-text('prochaine personne')").wait_for()
    talk_now(second)
    second.locator("#queue-position:has-text('1 personne avant vous')").wait_for()
    return first, second


def test_a_caller_waits_sees_their_place_move_up_and_talks_when_a_psychologist_frees_up(new_page):
    claire, karim = make_psychologist("Claire"), make_psychologist("Karim")
    workspace_claire = workspace_on_break(new_page, claire)
    workspace_karim = workspace_on_break(new_page, karim)

    first = new_page("/")
    talk_now(first)
    first.locator("#queue-position:has-text('prochaine personne')").wait_for()
    second = new_page("/")
    talk_now(second)
    position = second.locator("#queue-position")
    position.locator("text=1 personne avant vous.").wait_for()
    # Nobody on duty yet: no made-up figure, the phone line instead.
    assert "Nous ne pouvons pas estimer" in second.locator("#queue-estimate").inner_text()
    for number in ("15", "112", "3114"):  # emergency numbers in view on the waiting screen
        second.locator(f".queue-emergency a[href='tel:{number}']").click(trial=True)
    screenshot(second, "caller-queue-waiting")

    # Karim frees up: the first caller rings him, the second moves up.
    workspace_karim.click("[data-status=available]")
    workspace_karim.locator("[data-show=ringing]:visible").wait_for()
    first.locator("#call-panel[data-state=ringing]").wait_for()
    position.locator("text=prochaine personne").wait_for()
    # Karim on duty: 1 call ahead of nobody, 15 min of talk and 1 of wrap-up by default.
    assert "Attente estimée : environ 16 min." in second.locator("#queue-estimate").inner_text()
    screenshot(second, "caller-queue-next")
    workspace_karim.click("[data-action=accept]")
    wait_for_audio(first)

    # Claire frees up: the second caller is connected, with audio both ways.
    workspace_claire.click("[data-status=available]")
    workspace_claire.locator("[data-show=ringing]:visible").wait_for()
    second.locator("#call-panel[data-state=ringing]").wait_for()
    workspace_claire.click("[data-action=accept]")
    caller_stats, psychologist_stats = wait_for_audio(second), wait_for_audio(workspace_claire)
    assert caller_stats["bytesReceived"] > 0 and psychologist_stats["bytesReceived"] > 0
    assert caller_stats["localCandidateType"] == "relay"
    second_call = Call.objects.get(psychologist=claire)
    assert second_call.state == CallState.CONNECTED and second_call.queued_at is not None


def test_in_danger_the_caller_goes_first_and_is_told_a_supervisor_knows(new_page):
    first, second = two_callers_waiting(new_page)
    second.click("#call-panel [data-action=queue-urgent]")
    second.locator("#queue-urgent-note:visible").wait_for()
    second.locator("#queue-position:has-text('prochaine personne')").wait_for()
    first.locator("#queue-position:has-text('1 personne avant vous')").wait_for()
    screenshot(second, "caller-queue-urgent")
    second.click("#call-panel [data-show=waiting] [data-action=hangup]")  # leave at any time
    first.locator("#queue-position:has-text('prochaine personne')").wait_for()


def test_a_lost_network_keeps_the_place_and_closing_the_page_leaves_the_queue(new_page):
    first, second = two_callers_waiting(new_page, first_script=KEEP_SOCKETS)

    # The first caller's connection drops (Chromium's offline mode leaves open sockets alone, so the
    # socket is cut from the page, which the server sees as any lost connection); the app reconnects.
    first.evaluate("window.openSockets.at(-1).close()")
    first.locator("#connection:visible").wait_for()
    first.locator("#connection").wait_for(state="hidden", timeout=60_000)
    first.locator("#queue-position:has-text('prochaine personne')").wait_for()
    first_call = Call.objects.order_by("queued_at").first()
    assert (
        first_call.state == CallState.REQUESTED and first_call.ended_at is None
    )  # the same call, still first

    first.close()  # the first caller closes the app: they leave the queue, the second moves up
    second.locator("#queue-position:has-text('prochaine personne')").wait_for()
    first_call.refresh_from_db()
    assert first_call.state == CallState.ABANDONED and first_call.end_reason == "caller_left"
