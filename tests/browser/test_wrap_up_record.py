"""The wrap-up in a real workspace: the record shown is the call's that just ended, pre-filled with
the orientation noted during it; an earlier unsaved record waits apart, in « Fiches à compléter »."""

import pytest

from ecoute.contacts.models import ContactRecord, Orientation
from ecoute.presence.models import Presence, Status
from tests.browser.helpers import card, log_in_and_go_available
from tests.directory.conftest import BORDEAUX, ensure_geography, make_entry
from tests.support.cast import make_psychologist
from tests.support.contacts import ensure_taxonomies, make_call
from tests.support.live import LiveServer, PageOpener, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.coturn, pytest.mark.django_db(transaction=True)]
LAPTOP = {"width": 1280, "height": 900}
# The usual wrap-up time past which the reminder shows: the test waits it out, so it is shorter than
# the line's 60 s, yet long enough for the record's first screens to be checked before it.
USUAL_WRAP_UP_SECONDS = "30"


@pytest.fixture
def new_page(chromium, live_server_env, coturn):
    """Pages of a line whose usual wrap-up lasts USUAL_WRAP_UP_SECONDS."""
    server = LiveServer(
        {**live_server_env, **coturn, "ECOUTE_WRAP_UP_SECONDS": USUAL_WRAP_UP_SECONDS}, name="wrap-up"
    ).start()
    opener = PageOpener(chromium, server)
    yield opener
    opener.close()
    server.stop()


def test_the_wrap_up_shows_the_record_of_the_call_just_ended(new_page):
    ensure_taxonomies()
    ensure_geography()
    unit = make_entry("unit-1", BORDEAUX, kind="unit", name="Unité des soignants, Bordeaux")
    claire = make_psychologist("Claire")
    earlier = make_call(claire)  # the workspace was closed during that call's wrap-up: no record yet
    workspace = new_page("/espace/", viewport=LAPTOP)
    log_in_and_go_available(workspace, claire)
    workspace.locator(f"#to-complete-slot [data-call-id='{earlier.pk}']").wait_for()
    assert workspace.locator("#contact-slot [data-contact-form]").count() == 0, (
        "an earlier record never sits in the call's place"
    )

    caller = new_page("/")
    card(caller, claire).locator("[data-call]:enabled").click()
    workspace.locator("[data-show=ringing]:visible").wait_for()
    workspace.click("[data-action=accept]")
    workspace.locator("[data-show=in_call]:visible").wait_for()

    # « Orienter »: the psychologist notes an address while the caller is still on the line.
    workspace.fill("#panel-q", "Bordeaux")
    workspace.click("#directory-panel-form button[type=submit]")
    result = workspace.locator(f"#directory-panel-results [data-entry-id='{unit.pk}']")
    result.locator("[data-orientation]").click()
    workspace.locator("#directory-panel-status:has-text('Orientation notée')").wait_for()

    workspace.click("[data-action=hangup]")
    workspace.locator("[data-show=wrap_up]:visible").wait_for()
    call = claire.calls.exclude(pk=earlier.pk).get()
    form = workspace.locator(f"#contact-slot [data-record-call='{call.pk}'] [data-contact-form]")
    form.wait_for()
    workspace.locator("#wrap-up-record").wait_for()  # no countdown: no call rings before the record is saved
    assert workspace.locator("#wrap-up-timer").is_hidden()
    assert workspace.locator(f"#to-complete-slot [data-call-id='{earlier.pk}']").count() == 1
    assert workspace.locator(f"#contact-slot [data-record-call='{earlier.pk}']").count() == 0
    unit_option = form.locator(f"select[name=directory_entries] option[value='{unit.pk}']")
    assert unit_option.evaluate("option => option.selected"), (
        "the address noted during the call is in the record"
    )
    dedicated = Orientation.objects.get(code="unite-dediee")
    assert form.locator(f"input[name=orientations][value='{dedicated.pk}']").is_checked()
    workspace.locator("[data-show=wrap_up]").scroll_into_view_if_needed()
    screenshot(workspace, "workspace-wrap-up-record")

    # Past the usual wrap-up time, a gentle reminder; still no call rings.
    workspace.locator("#wrap-up-reminder:visible").wait_for(timeout=90000)
    assert Presence.objects.get(pk=claire.pk).status == Status.WRAP_UP
    screenshot(workspace, "workspace-wrap-up-reminder")

    # A reload (the workspace closes, Claire shows away): the same call's record comes back in its place.
    workspace.reload()
    form.wait_for()
    assert workspace.locator(f"#contact-slot [data-record-call='{earlier.pk}']").count() == 0
    workspace.locator(f"#to-complete-slot [data-call-id='{earlier.pk}']").wait_for()

    workspace.select_option("#contact-slot #id_profession", label="Infirmier·ère")
    workspace.locator("#contact-slot #id_employment_0").check()
    workspace.locator("#contact-slot label:has-text('Épuisement professionnel')").click()
    workspace.locator("#contact-slot #id_note").press("Control+Enter")
    workspace.locator("#contact-slot .contact-saved").wait_for()
    record = ContactRecord.objects.get()
    assert record.call_id == call.pk and list(record.directory_entries.all()) == [unit]
    assert Presence.objects.get(pk=claire.pk).wrap_up_call_id is None
    workspace.locator(f"#to-complete-slot [data-call-id='{earlier.pk}'] [data-complete]").click()
    workspace.locator(f"#older-record-slot [data-record-call='{earlier.pk}'] [data-contact-form]").wait_for()
    workspace.locator("#to-complete-slot").scroll_into_view_if_needed()
    screenshot(workspace, "workspace-records-to-complete")
