"""A returning caller's history during the call: shown once, and its reading written once to the journal."""

from datetime import timedelta

import pytest

from ecoute.calls import device_key
from ecoute.contacts.models import NoteRead, ReadPlace
from tests.browser.helpers import card, log_in_and_go_available, wait_until
from tests.support.cast import make_psychologist
from tests.support.contacts import ensure_taxonomies, make_call, make_record
from tests.support.live import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.coturn, pytest.mark.django_db(transaction=True)]

# The history's displays: its answers that held it (an empty or failed answer is asked again).
HISTORY_FETCHES = (
    "performance.getEntriesByType('resource')"
    ".filter((e) => e.name.includes('/fiches/appel-en-cours/') && e.responseStatus === 200).length"
)


def test_one_display_of_the_history_is_one_line_in_the_note_read_journal(new_page):
    ensure_taxonomies()
    claire = make_psychologist("Claire")
    caller = new_page("/")
    card(caller, claire).wait_for()
    # The cards can show before the page's script has made the device's key (at its first hello).
    wait_until(caller, "localStorage.getItem('ecoute.callerKey') !== null")
    key = caller.evaluate("localStorage.getItem('ecoute.callerKey')")
    assert key
    earlier = make_call(claire, ago=timedelta(days=3))
    earlier.caller_key_hash = device_key.hashed(key)
    earlier.save()
    make_record(claire, earlier, note="Parle d'un épuisement après les gardes de nuit.")

    workspace = new_page("/espace/", viewport={"width": 1280, "height": 800})
    log_in_and_go_available(workspace, claire)
    card(caller, claire).locator("[data-call]:enabled").click()
    workspace.click("[data-action=accept]")
    # The page asks until the server has the call in progress: the wait bounds a stalled run only.
    workspace.locator("#caller-history-slot .note-text").wait_for(timeout=120_000)
    # The workspace is told twice that it is in a call (the call accepted, then its presence):
    # wait for both, and for every request they started to be answered.
    workspace.locator("#status-label:has-text('En communication')").wait_for()
    workspace.wait_for_load_state("networkidle")
    wait_until(workspace, f"{HISTORY_FETCHES} >= 1")
    workspace.locator("#caller-history-slot").scroll_into_view_if_needed()
    screenshot(workspace, "workspace-caller-history")

    assert workspace.evaluate(HISTORY_FETCHES) == 1
    assert NoteRead.objects.filter(reader=claire, place=ReadPlace.DURING_CALL).count() == 1
