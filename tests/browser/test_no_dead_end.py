"""A caller never taps a ghost and never meets a dead end."""

import pytest

from ecoute.calls.models import Ring, RingOutcome
from ecoute.lib import clock
from ecoute.presence.models import Presence, Status
from tests.browser.helpers import card, log_in_and_go_available
from tests.support.cast import make_psychologist
from tests.support.live import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.coturn, pytest.mark.django_db(transaction=True)]
LAPTOP = {"width": 1280, "height": 800}
# Long enough for a page on a machine whose two cores run the whole suite: the times promised are
# asserted on the server's own timestamps, so this only bounds a wait that has stopped progressing.
PAGE_PROGRESS_MS = 90_000


def test_a_closed_workspace_shows_the_psychologist_away_on_the_board_within_15_seconds(new_page):
    claire = make_psychologist("Claire")
    workspace = new_page("/espace/", viewport=LAPTOP)
    log_in_and_go_available(workspace, claire)
    caller = new_page("/")
    card(caller, claire).locator("text=Disponible").wait_for()
    closed_at = clock.now()
    workspace.close()
    # The promise is the server's decision, timed by its own clock: a busy machine may be slow to
    # paint the board, so the page is waited for by its change, not against a deadline.
    card(caller, claire).locator(".status-label:text('Indisponible')").wait_for(timeout=PAGE_PROGRESS_MS)
    presence = Presence.objects.get(user=claire)
    assert presence.status == Status.OFFLINE
    assert (presence.changed_at - closed_at).total_seconds() < 15
    assert card(caller, claire).locator("[data-call]").is_disabled()


def test_an_unanswered_ring_offers_the_next_psychologist_after_20_seconds(new_page):
    claire, karim = make_psychologist("Claire"), make_psychologist("Karim")
    workspace_claire = new_page("/espace/", viewport=LAPTOP)
    log_in_and_go_available(workspace_claire, claire)
    workspace_karim = new_page("/espace/", viewport=LAPTOP)
    log_in_and_go_available(workspace_karim, karim)
    caller = new_page("/")
    card(caller, claire).locator("[data-call]:enabled").click()
    workspace_claire.locator("[data-show=ringing]:visible").wait_for()

    offer = caller.locator("[data-action=call-alternative]")
    offer.wait_for(timeout=PAGE_PROGRESS_MS)
    # The ring's length is the server's decision, read from its own record of it.
    ring = Ring.objects.get(psychologist=claire)
    assert ring.outcome == RingOutcome.MISSED
    assert 19.5 <= (ring.ended_at - ring.started_at).total_seconds() <= 22, ring
    assert "Claire n’a pas pu décrocher à temps." in caller.locator("#unavailable-reason").inner_text()
    assert offer.inner_text() == "Appeler Karim maintenant"
    screenshot(caller, "caller-no-answer")
    assert workspace_claire.locator("#status-label").inner_text() == "En pause"  # no ghost on the board

    offer.click()
    workspace_karim.locator("[data-show=ringing]:visible").wait_for()
    caller.locator("#call-panel[data-state=ringing]").wait_for()


def test_when_nobody_is_free_the_caller_is_given_the_phone_number(new_page):
    claire = make_psychologist("Claire")
    workspace = new_page("/espace/", viewport=LAPTOP)
    log_in_and_go_available(workspace, claire)
    caller = new_page("/")
    card(caller, claire).locator("[data-call]:enabled").click()
    workspace.locator("[data-show=ringing]:visible").wait_for()
    workspace.click("[data-action=decline]")
    nobody = caller.locator("#nobody")
    nobody.wait_for()
    assert "0 805 23 23 36" in nobody.inner_text()
    assert "ne peut pas répondre tout de suite" in caller.locator("#unavailable-reason").inner_text()
    screenshot(caller, "caller-nobody-free")
    # The emergency numbers and the quick exit stay in view and usable over the call sheet.
    for number in ("15", "112", "3114"):
        caller.locator(f".emergency a[href='tel:{number}']").click(trial=True)
    caller.locator("#quick-exit").click(trial=True)


def test_quick_exit_wipes_the_screen_and_leaves_for_a_neutral_page(new_page, line_server):
    caller = new_page("/")
    caller.route(
        "https://www.google.fr/**",
        lambda route: route.fulfill(body="<title>Météo</title>", content_type="text/html; charset=utf-8"),
    )
    caller.click("#quick-exit")
    caller.wait_for_url("https://www.google.fr/**")
    assert caller.title() == "Météo"
    caller.go_back()  # the app was replaced in the history: "back" does not return to it
    assert not caller.url.startswith(line_server.url)
