"""« Rappel immédiat par un cadre » in real browsers: a caller waits too long, a supervisor calls them back
from the board's alert, and they hear each other through the usual audio path."""

from datetime import timedelta

import pytest
from django.utils import timezone

from ecoute.accounts.models import Role, User
from ecoute.calls.models import Alert, AlertKind, Call, CallState
from tests.browser.helpers import assert_accessible, log_in, wait_for_audio
from tests.support.cast import make_psychologist
from tests.support.live import screenshot
from tests.support.waiting import wait_for

pytestmark = [pytest.mark.browser, pytest.mark.coturn, pytest.mark.django_db(transaction=True)]
LAPTOP = {"width": 1280, "height": 800}


def test_a_supervisor_calls_a_caller_waiting_too_long_back_and_they_hear_each_other(new_page, line_server):
    make_psychologist("Claire")  # on the line's list, not on duty: nobody answers
    helene = make_psychologist("Hélène")
    User.objects.filter(pk=helene.pk).update(role=Role.SUPERVISOR)
    board = new_page("/supervision/", viewport=LAPTOP)
    log_in(board, helene, lands_on="**/supervision/")
    helene_workspace = board.context.new_page()  # her workspace open beside the board, on a break
    helene_workspace.on("websocket", new_page._count_socket)
    helene_workspace.goto(f"{line_server.url}/espace/")
    helene_workspace.locator("#status-label").wait_for()

    caller = new_page("/")
    caller.click("#talk-now button[type=submit]")
    caller.locator("#call-panel[data-state=waiting]").wait_for()
    # The wait becomes long (as if it had started a while ago): the server's timers alert the board.
    call = wait_for(lambda: Call.objects.first())  # stored with the other joins of its moment
    Call.objects.filter(pk=call.pk).update(requested_at=timezone.now() - timedelta(minutes=5))
    call_back = board.locator(".alert-long_wait [data-call-back]")
    call_back.wait_for(timeout=60_000)
    assert call_back.inner_text() == "Rappeler maintenant"
    assert_accessible(board)
    screenshot(board, "supervision-call-back-offered")

    call_back.click()
    helene_stats = wait_for_audio(helene_workspace)  # she talks with the caller at once, relayed
    assert helene_stats["remoteCandidateType"] == "relay"
    caller_stats = wait_for_audio(caller)
    assert caller_stats["bytesReceived"] > 0
    call = Call.objects.get()
    assert (call.state, call.psychologist_id, call.called_back) == (CallState.CONNECTED, helene.pk, True)
    assert Alert.objects.get(kind=AlertKind.LONG_WAIT).taken_by_id == helene.pk
    board.locator(".alert-long_wait").wait_for(state="detached")  # taken: off every board
    # The caller's screen says who calls: a supervisor of the line, not a psychologist's name.
    assert caller.locator("#call-title").inner_text() == "Un cadre de la plateforme vous rappelle"
    assert caller.locator("[data-show=connected] [data-by-supervisor=true]").is_visible()
    assert_accessible(caller)
    screenshot(caller, "caller-called-back-by-a-supervisor")
    screenshot(helene_workspace, "workspace-call-back")
