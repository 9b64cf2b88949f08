"""The supervision board against a flood, in Chromium: one line for a burst of danger alerts, and a block."""

import hashlib
import uuid

import pytest
from django.utils import timezone

from ecoute.accounts.models import Role
from ecoute.calls.models import Alert, AlertKind, Call, CallState, EndReason, Priority
from ecoute.security.models import SecurityEvent, SecurityEventKind
from tests.browser.helpers import log_in
from tests.support.contacts import make_staff
from tests.support.live import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.coturn, pytest.mark.django_db(transaction=True)]
LAPTOP = {"width": 1280, "height": 900}


def test_a_burst_of_danger_alerts_is_one_line_and_blocking_the_device_ends_its_calls(new_page):
    device = hashlib.sha256(b"k" * 43).hexdigest()
    now = timezone.now()  # written directly: the browser's event loop forbids broadcasts here
    for n in range(3):
        call = Call.objects.create(
            id=uuid.uuid4(),
            requested_at=now,
            queued_at=now,
            caller_seen_at=now,
            caller_key_hash=device,
            priority=Priority.URGENT,
        )
        Alert.objects.create(
            kind=AlertKind.DANGER, call=call, created_at=now + timezone.timedelta(seconds=2 * n), group="f00d"
        )
    board = new_page("/supervision/", viewport=LAPTOP)
    log_in(board, make_staff(Role.SUPERVISOR, "Hélène"), lands_on="**/supervision/")
    alert = board.locator(".alert-danger")
    alert.first.wait_for()
    assert alert.count() == 1 and "3 appels urgents de la même source en 4 s" in alert.inner_text()

    board.on("dialog", lambda dialog: dialog.accept())
    row = board.locator("[data-waiting]").first
    row.locator("summary").click()
    row.locator("[data-block-hours]").select_option("4")
    screenshot(board, "supervision-grouped-alert")
    row.locator("[data-block-scope=device]").click()
    # Shown for a few seconds (the announcer may be taken meanwhile by another alert, "trop peu d'écoutants").
    board.locator(
        "#connection:has-text('Blocage enregistré pour 4 h ; 3 appels en attente terminés.')"
    ).wait_for()
    board.locator("text=Personne n’attend.").wait_for()
    board.locator(".alert-danger").wait_for(state="detached")  # closed by itself: nobody waits any more
    screenshot(board, "supervision-after-block")

    assert set(Call.objects.values_list("state", "end_reason")) == {(CallState.ABANDONED, EndReason.BLOCKED)}
    event = SecurityEvent.objects.get(kind=SecurityEventKind.BLOCK)
    assert event.details == {"scope": "device", "hours": 4, "ended": 3} and device not in event.summary
    assert board.locator("[data-figure=abuse]").inner_text() == "3"
