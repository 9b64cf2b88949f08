"""The supervision board in a real browser: figures, the queue, an alert the moment a caller is in danger."""

import uuid

import pytest

from ecoute.accounts.models import Role
from django.utils import timezone

from ecoute.calls.models import Call
from ecoute.presence.models import Status
from tests.browser.helpers import log_in, wait_until
from tests.support.cast import make_psychologist
from tests.support.contacts import make_staff
from tests.support.live import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.coturn, pytest.mark.django_db(transaction=True)]
LAPTOP = {"width": 1280, "height": 900}


def test_the_board_shows_the_line_and_a_danger_alert_at_once(new_page):
    make_psychologist("Claire", Status.IN_CALL)
    make_psychologist("Karim", Status.BREAK)
    now = timezone.now()  # a call already waiting (written directly: the browser's event loop forbids broadcasts here)
    Call.objects.create(id=uuid.uuid4(), requested_at=now, queued_at=now, caller_seen_at=now)
    supervisor = make_staff(Role.SUPERVISOR, "Hélène")
    board = new_page("/supervision/", viewport=LAPTOP)
    log_in(board, supervisor, lands_on="**/supervision/")
    board.locator("[data-waiting]").first.wait_for()
    assert board.locator("[data-figure=offered]").inner_text() == "1"

    caller = new_page("/")
    caller.click("#talk-now button[type=submit]")
    caller.locator("#queue-position:has-text('1 personne avant vous')").wait_for()
    caller.click("#call-panel [data-action=queue-urgent]")
    alert = board.locator(".alert-danger")
    alert.wait_for(timeout=3000)
    assert "Appelant en danger" in board.locator("#alert-announcer").inner_text()
    board.locator("tr.urgent[data-waiting]").wait_for()
    screenshot(board, "supervision-board")

    board.keyboard.press("a")  # one hand on the keyboard: take the first alert
    wait_until(board, "!document.querySelector('.alert-danger')")
