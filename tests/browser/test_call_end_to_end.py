"""A caller taps an available psychologist and they talk, in two real Chromium contexts, through coturn."""

import pytest

from ecoute.calls.models import Call, CallState, EndReason, Ring, RingOutcome
from ecoute.feedback.models import FeedbackCount
from ecoute.presence.models import Presence, Status
from tests.browser.helpers import (
    app_call,
    assert_accessible,
    card,
    log_in_and_go_available,
    wait_for_audio,
    wait_until,
)
from tests.support.cast import make_psychologist
from tests.support.live import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.coturn, pytest.mark.django_db(transaction=True)]


def test_caller_talks_to_psychologist_through_the_relay(new_page, line_server):
    claire = make_psychologist("Claire", languages=("fr", "en"))
    workspace = new_page("/espace/", viewport={"width": 1280, "height": 800})
    log_in_and_go_available(workspace, claire)

    caller = new_page("/")
    claire_card = card(caller, claire)
    claire_card.locator("text=Disponible").wait_for()
    screenshot(caller, "caller-board")

    claire_card.locator("[data-call]").click()
    caller.locator("#call-panel[data-state=ringing]").wait_for()
    # We call her: not "Appel de Claire…", which reads as a call from her.
    assert caller.locator("#call-title").inner_text() == "Nous appelons Claire…"
    workspace.locator("[data-show=ringing]:visible").wait_for()
    # The caller hears the French ringback (440 Hz, 1.5 s in every 5 s) coming out of the page.
    wait_until(caller, "Math.abs((window.ecoute.ringback().loudest || 0) - 440) < 30", timeout_ms=30_000)
    # The psychologist's tab says it rings, in its title and its icon, even behind another tab.
    assert workspace.title().startswith("Un appel sonne — ")
    assert workspace.evaluate("document.querySelector('link[rel=icon]').href").endswith("ringing.svg")
    screenshot(caller, "caller-ringing")
    screenshot(workspace, "workspace-ringing")

    workspace.click("[data-action=accept]")
    caller_stats = wait_for_audio(caller)
    workspace_stats = wait_for_audio(workspace)
    assert caller.evaluate("window.ecoute.ringback()") == {"playing": False, "loudest": None}
    assert workspace.title() == "Espace écoutant — Écoute"
    assert workspace.evaluate("document.querySelector('link[rel=icon]').href").endswith("icon-192.png")
    caller.wait_for_timeout(1200)  # let the timer tick on the screenshot
    screenshot(caller, "caller-in-call")
    screenshot(workspace, "workspace-in-call")

    assert caller_stats["connectionState"] == workspace_stats["connectionState"] == "connected", (
        caller_stats,
        workspace_stats,
    )
    assert caller_stats["bytesReceived"] > 0 and workspace_stats["bytesReceived"] > 0
    # The caller's media goes through the relay: the psychologist's browser never sees their address.
    assert caller_stats["localCandidateType"] == "relay"
    assert workspace_stats["remoteCandidateType"] == "relay"

    caller.click("#call-panel [data-show=connected] [data-action=hangup]")
    caller.locator("#call-panel[data-state=ended]").wait_for()
    # After the caller's own hang-up, the server's echo brings the feedback's question.
    caller.locator("#feedback:visible").wait_for()
    workspace.locator("[data-show=wrap_up]:visible").wait_for()
    screenshot(workspace, "workspace-wrap-up")
    caller.click("#call-panel [data-show=ended] [data-action=back]")
    caller.wait_for_timeout(500)  # the server's echo of the hang-up must not bring the sheet back
    assert caller.locator("#call-panel").is_hidden()

    call = Call.objects.get()
    assert call.state == CallState.ENDED and call.end_reason == EndReason.CALLER_HUNG_UP
    assert call.psychologist == claire
    assert call.requested_at <= call.ringing_at <= call.answered_at <= call.ended_at
    assert Ring.objects.get(call=call).outcome == RingOutcome.ACCEPTED
    assert Presence.objects.get(pk=claire.pk).status == Status.WRAP_UP
    # The server's own log names paths and statuses, never an address.
    assert "127.0.0.1" not in line_server.log()


def test_returning_caller_finds_their_psychologist_first(new_page):
    claire = make_psychologist("Claire")
    make_psychologist("Amélie")
    caller, workspace = app_call(new_page, claire)
    workspace.click("[data-action=hangup]")
    caller.locator("#call-panel[data-state=ended]").wait_for()

    # One tap says whether the call helped; the two other questions, if wanted, come first.
    feedback = caller.locator("#feedback")
    feedback.wait_for()
    feedback.locator("summary").click()
    feedback.get_by_role("group", name="Vous êtes-vous senti·e écouté·e ?").get_by_label("Oui").check()
    assert_accessible(caller)
    screenshot(caller, "caller-feedback-phone")
    feedback.get_by_role("button", name="Un peu").click()
    caller.locator("#feedback-status:has-text('Merci')").wait_for()
    assert feedback.is_hidden()
    cell = FeedbackCount.objects.get()
    assert (cell.helped, cell.listened, cell.would_call_again, cell.count) == ("partly", "yes", "", 1)
    caller.click("#call-panel [data-show=ended] [data-action=back]")

    # As the end screen promised: at the top, without reloading the page.
    mine = caller.locator("#mine")
    mine.wait_for()
    assert mine.locator(f".card[data-id='{claire.pk}']").count() == 1
    # Claire is writing up the call that just ended: not shown as on another call.
    mine.locator(".status-label:text('Termine un appel')").wait_for()
    screenshot(caller, "caller-my-psychologist-after-the-call")


def test_the_ringback_stops_when_the_caller_cancels_and_the_tab_is_restored(new_page):
    claire = make_psychologist("Claire")
    workspace = new_page("/espace/", viewport={"width": 1280, "height": 800})
    log_in_and_go_available(workspace, claire)
    caller = new_page("/")
    card(caller, claire).locator("[data-call]:enabled").click()
    wait_until(caller, "window.ecoute.ringback().playing")
    workspace.locator("[data-show=ringing]:visible").wait_for()
    assert workspace.title().startswith("Un appel sonne")

    caller.click("#call-panel [data-show=ringing] [data-action=hangup]")
    assert caller.evaluate("window.ecoute.ringback().playing") is False
    wait_until(workspace, "document.title === 'Espace écoutant — Écoute'")
    assert workspace.evaluate("document.querySelector('link[rel=icon]').href").endswith("icon-192.png")
