"""The supervision board in a real browser: figures, the queue, an alert the moment a caller is in danger."""

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from ecoute.accounts.models import Role
from ecoute.calls.models import Call
from ecoute.presence.models import Presence, Status
from tests.browser.helpers import log_in, wait_until
from tests.support.cast import make_psychologist
from tests.support.contacts import make_staff
from tests.support.live import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.coturn, pytest.mark.django_db(transaction=True)]
LAPTOP = {"width": 1280, "height": 900}


def test_the_board_shows_the_line_and_a_danger_alert_at_once(new_page):
    make_psychologist("Claire", Status.IN_CALL)
    make_psychologist("Karim", Status.BREAK)
    amelie = make_psychologist("Amélie", Status.WRAP_UP)  # on a record for five minutes: a long wrap-up
    Presence.objects.filter(pk=amelie.pk).update(
        changed_at=timezone.now() - timedelta(minutes=5), wrap_up_call_id=uuid.uuid4()
    )
    now = (
        timezone.now()
    )  # a call already waiting (written directly: the browser's event loop forbids broadcasts here)
    Call.objects.create(id=uuid.uuid4(), requested_at=now, queued_at=now, caller_seen_at=now)
    supervisor = make_staff(Role.SUPERVISOR, "Hélène")
    board = new_page("/supervision/", viewport=LAPTOP)
    log_in(board, supervisor, lands_on="**/supervision/")
    board.locator("[data-waiting]").first.wait_for()
    assert board.locator("[data-figure=offered]").inner_text() == "1"
    long_wrap_up = board.locator("tr.long-wrap-up:has-text('Amélie') [data-long-wrap-up]")
    assert long_wrap_up.inner_text() == "fin d’appel longue : fiche en cours"
    board.mouse.wheel(0, 2000)  # down to the listeners (the board redraws itself: no element to hold on to)
    wait_until(board, "window.scrollY > 0")
    screenshot(board, "supervision-long-wrap-up")
    board.mouse.wheel(0, -4000)
    wait_until(board, "window.scrollY === 0")

    caller = new_page("/")
    caller.click("#talk-now button[type=submit]")
    caller.locator("#queue-position:has-text('1 personne avant vous')").wait_for()
    caller.click("#call-panel [data-action=queue-urgent]")
    alert = board.locator(".alert-danger")
    alert.wait_for()  # at once: the latency itself is measured by the benchmarks, not on a busy machine
    assert "Appelant en danger" in board.locator("#alert-announcer").inner_text()
    board.locator("tr.urgent[data-waiting]").wait_for()
    screenshot(board, "supervision-board")

    board.keyboard.press("a")  # one hand on the keyboard: take the first alert
    wait_until(board, "!document.querySelector('.alert-danger')")


def test_the_board_shows_the_coming_hours_risk_and_whom_to_ask(new_page):
    """A history of calls for this hour, one listener online of the two planned: the risk and the alert."""
    from datetime import time

    from ecoute.rota.models import Shift, WeeklyAvailability
    from tests.browser.helpers import assert_accessible
    from tests.rota.history import make_history

    now = timezone.now()
    for seed in range(6):  # six lines' worth: whatever the hour, more than two listeners are needed
        make_history(now, weeks=4, seed=seed)
    shift = {"start": now - timedelta(hours=1), "end": now + timedelta(hours=3)}
    Shift.objects.create(user=make_psychologist("Claire", Status.AVAILABLE), **shift)
    Shift.objects.create(user=make_psychologist("Bruno"), **shift)  # planned, not online
    chloe = make_psychologist("Chloé")
    WeeklyAvailability.objects.create(
        user=chloe, weekday=timezone.localtime(now).weekday(), start=time(0), end=time(0)
    )
    supervisor = make_staff(Role.SUPERVISOR, "Hélène")
    board = new_page("/supervision/", viewport=LAPTOP)
    log_in(board, supervisor, lands_on="**/supervision/")
    # Raised by the server's timers, once their forecast (kept a minute per process) has read this history.
    board.locator(".alert-coverage_gap [data-to-ask]").wait_for(timeout=180_000)
    # Claire too once the timers find her workspace silent (no page of hers is open here).
    assert "Bruno" in board.locator(".coming-hour [data-scheduled-offline]").inner_text()
    assert board.locator(".coming-hour [data-free]").inner_text() == "Chloé"
    assert board.locator("[data-risk-percent]").inner_text().endswith("%")
    assert_accessible(board)
    screenshot(board, "supervision-coming-hour-risk")
