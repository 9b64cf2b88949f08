"""Waiting at 3 a.m. with nobody free: the screen says so plainly, counts the time, and changes when supervisors are alerted."""

from datetime import timedelta

import pytest
from django.utils import timezone

from ecoute.calls.models import Alert, AlertKind, Call
from tests.browser.helpers import wait_until
from tests.support.cast import make_psychologist
from tests.support.live import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.coturn, pytest.mark.django_db(transaction=True)]


def test_nobody_free_the_caller_is_told_sees_the_time_waited_and_learns_when_supervisors_are_alerted(
    new_page,
):
    make_psychologist("Claire")  # on the line's list, not on duty tonight
    caller = new_page("/")
    caller.click("#talk-now button[type=submit]")
    caller.locator("#call-panel[data-state=waiting]").wait_for()

    caller.locator("#queue-nobody:visible:has-text('Personne n’est libre à cette minute')").wait_for()
    assert "Nous ne pouvons pas estimer" in caller.locator("#queue-estimate").inner_text()
    waited = caller.locator("#queue-waited")
    first = waited.inner_text()
    wait_until(caller, f"document.getElementById('queue-waited').textContent !== '{first}'")  # it ticks
    # The free number is one tap away on the waiting screen itself.
    caller.locator("[data-show=waiting] .queue-phone a[href='tel:0805232336']").click(trial=True)
    supervisors = caller.locator("#queue-supervisors")
    assert "voient la file d’attente en direct" in supervisors.inner_text()
    screenshot(caller, "caller-waiting-nobody-free")

    # The wait becomes long (as if it had started a while ago): the server's timers alert the
    # supervisors, and the caller's screen says so, without a reload.
    call = Call.objects.get()
    Call.objects.filter(pk=call.pk).update(requested_at=timezone.now() - timedelta(minutes=5))
    supervisors.locator("text=Un cadre de la plateforme est prévenu de votre attente").wait_for(
        timeout=60_000
    )
    assert Alert.objects.filter(kind=AlertKind.LONG_WAIT, call=call).exists()
    wait_until(caller, "document.getElementById('queue-waited').textContent >= '05:00'", timeout_ms=60_000)
    screenshot(caller, "caller-waiting-supervisors-alerted")
