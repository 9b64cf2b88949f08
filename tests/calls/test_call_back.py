"""« Rappel immédiat par un cadre »: a supervisor calls a caller waiting too long back at once, from the board.

Through the real consumers: the caller's app, the supervisor's board and their workspace.
"""

from datetime import timedelta

import pytest
from channels.db import database_sync_to_async
from django.utils import timezone

from ecoute.calls.models import Alert, AlertKind, Call, CallState, Ring, RingOutcome
from ecoute.calls.supervision import board as supervision_board
from ecoute.calls.supervision.alerts import raise_due_alerts
from ecoute.presence.models import Presence, Status
from tests.calls.test_warm_transfer import ANSWER, OFFER, make_supervisor
from tests.support.sockets import connect, connect_caller, connect_workspace

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


async def a_caller_waiting_too_long(settings, board):
    """A caller in the queue past the long-wait threshold, and the alert the board got for it."""
    settings.ECOUTE_LONG_WAIT_ALERT_SECONDS = 30
    caller = await connect_caller()
    await caller.send({"type": "queue.join"})
    call_id = (await caller.expect("queue.joined"))["call_id"]
    await database_sync_to_async(raise_due_alerts)(timezone.now() + timedelta(seconds=31))
    alert = await board.expect("alert")
    assert alert["kind"] == AlertKind.LONG_WAIT
    return caller, call_id, alert["alert_id"]


async def test_a_supervisor_calls_a_caller_waiting_too_long_back_and_they_talk(settings):
    helene = await make_supervisor()  # on a break: a call-back is a supervisor's choice, not the router's
    board = await connect("/ws/supervision/", helene)
    workspace = await connect_workspace(helene)
    caller, call_id, alert_id = await a_caller_waiting_too_long(settings, board)
    shown = await database_sync_to_async(supervision_board.read)()
    assert [a["call_back"] for a in shown["alerts"] if a["id"] == alert_id] == [True]

    await board.send({"type": "call.call_back", "call_id": call_id})
    await board.expect("call.called_back")
    assert (await board.expect("alert.closed"))["alert_id"] == alert_id
    assert (await workspace.expect("call.connected"))[
        "call_id"
    ] == call_id  # nothing rang: they chose the caller
    ringing = await caller.expect("call.ringing")
    # The caller's app is told a supervisor calls back, not that a psychologist of the line rings.
    assert (ringing["psychologist_id"], ringing["by_supervisor"]) == (helene.pk, True)
    assert "ice" not in ringing  # only the phone line's agent prepares its offer while it rings
    await caller.expect("call.accepted")

    # The usual audio path: the caller's offer reaches the supervisor's workspace, the answer comes back.
    await caller.send({"type": "signal", "call_id": call_id, "signal": OFFER, "to": "psychologist"})
    assert (await workspace.expect("signal"))["signal"] == OFFER
    await workspace.send({"type": "signal", "call_id": call_id, "signal": ANSWER})
    assert (await caller.expect("signal"))["signal"] == ANSWER

    call = await database_sync_to_async(Call.objects.get)(pk=call_id)
    assert (call.state, call.psychologist_id, call.called_back) == (CallState.CONNECTED, helene.pk, True)
    assert call.answered_at and call.end_reason == ""
    ring = await database_sync_to_async(Ring.objects.get)(call_id=call_id)
    assert (ring.psychologist_id, ring.outcome) == (helene.pk, RingOutcome.ACCEPTED)
    alert = await database_sync_to_async(Alert.objects.get)(pk=alert_id)
    assert alert.taken_by_id == helene.pk and alert.closed_at
    assert (await database_sync_to_async(Presence.objects.get)(pk=helene.pk)).status == Status.IN_CALL

    # The supervisor hangs up like any psychologist; the caller's app may ask whether it helped.
    await workspace.send({"type": "call.hangup", "call_id": call_id})
    assert (await caller.expect("call.ended"))["feedback_ticket"]
    assert (await database_sync_to_async(Call.objects.get)(pk=call_id)).state == CallState.ENDED


async def test_a_call_back_needs_an_open_workspace_and_a_caller_still_waiting(settings):
    helene = await make_supervisor()
    await database_sync_to_async(lambda: Presence.objects.filter(pk=helene.pk).update(session=""))()
    board = await connect("/ws/supervision/", helene)
    caller, call_id, alert_id = await a_caller_waiting_too_long(settings, board)

    await board.send({"type": "call.call_back", "call_id": call_id})
    assert (await board.expect("error"))["code"] == "workspace_needed"  # no workspace open: nothing changed
    call = await database_sync_to_async(Call.objects.get)(pk=call_id)
    assert (call.state, call.psychologist_id, call.called_back) == (CallState.REQUESTED, None, False)
    assert not await database_sync_to_async(Ring.objects.exists)()
    assert (await database_sync_to_async(Alert.objects.get)(pk=alert_id)).closed_at is None

    await caller.send({"type": "call.hangup", "call_id": call_id})  # the caller gave up meanwhile
    await caller.send({"type": "hello", "caller_key": "k" * 43})
    await caller.expect("hello")  # answered in order: the hang-up is done
    await connect_workspace(helene)
    await board.send({"type": "call.call_back", "call_id": call_id})
    assert (await board.expect("error"))["code"] == "illegal_transition"
    for bad in ({"type": "call.call_back"}, {"type": "call.call_back", "call_id": "nope"}):
        await board.send(bad)
        assert (await board.expect("error"))["code"] == "bad_message"
    assert (await database_sync_to_async(Presence.objects.get)(pk=helene.pk)).status != Status.IN_CALL
