"""Warm transfer in three real browsers: a supervisor joins a call with audio, then the psychologist leaves."""

import pytest

from ecoute.accounts.models import Role, User
from ecoute.calls.models import Call, CallState
from tests.browser.helpers import card, log_in, log_in_and_go_available, wait_for_audio
from tests.support.cast import make_psychologist
from tests.support.live import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.coturn, pytest.mark.django_db(transaction=True)]
LAPTOP = {"width": 1280, "height": 800}


def test_a_supervisor_joins_with_audio_and_carries_the_call_on(new_page, line_server):
    claire = make_psychologist("Claire")
    helene = make_psychologist("Hélène")
    User.objects.filter(pk=helene.pk).update(role=Role.SUPERVISOR)
    workspace = new_page("/espace/", viewport=LAPTOP)
    log_in_and_go_available(workspace, claire)
    caller = new_page("/")
    card(caller, claire).locator("[data-call]:enabled").click()
    workspace.locator("[data-show=ringing]:visible").wait_for()
    workspace.click("[data-action=accept]")
    wait_for_audio(caller)

    board = new_page("/supervision/", viewport=LAPTOP)
    log_in(board, helene, lands_on="**/supervision/")
    helene_workspace = board.context.new_page()
    helene_workspace.on("websocket", new_page._count_socket)
    helene_workspace.goto(f"{line_server.url}/espace/")
    helene_workspace.locator("#status-label").wait_for()
    board.locator("[data-join-call]").click()  # the board redraws every 2 s: the button appears with the call
    helene_stats = wait_for_audio(helene_workspace)  # her own peer connection with the caller, relayed
    assert helene_stats["remoteCandidateType"] == "relay"
    workspace.locator("#hand-over:visible").wait_for()
    screenshot(workspace, "workspace-supervisor-joined")

    workspace.click("#hand-over")
    workspace.locator("[data-show=wrap_up]:visible").wait_for()
    caller.locator("#call-audio-state:has-text('cadre de la plateforme')").wait_for()
    caller_stats = wait_for_audio(caller)  # now the supervisor's connection
    assert caller_stats["bytesReceived"] > 0
    call = Call.objects.get()
    assert call.state == CallState.CONNECTED and call.psychologist_id == helene.pk
