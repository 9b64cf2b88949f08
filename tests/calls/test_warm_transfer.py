"""Warm transfer: a supervisor joins a call going on, with their own audio to the caller; then the psychologist leaves."""

import pytest
from channels.db import database_sync_to_async

from ecoute.accounts.models import Role, User
from ecoute.calls.models import Call, CallState
from ecoute.presence.models import Presence, Status
from tests.support.cast import make_psychologist
from tests.support.sockets import connect, connect_caller, connect_workspace

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]

OFFER = {"description": {"type": "offer", "sdp": "v=0\r\no=- 1 2 IN IP4 0.0.0.0\r\ns=-\r\n"}}
ANSWER = {"description": {"type": "answer", "sdp": "v=0\r\no=- 3 4 IN IP4 0.0.0.0\r\ns=-\r\n"}}


@database_sync_to_async
def make_supervisor():
    helene = make_psychologist("Hélène", status=Status.BREAK)
    User.objects.filter(pk=helene.pk).update(role=Role.SUPERVISOR)
    helene.role = Role.SUPERVISOR
    return helene


async def in_a_call():
    claire = await database_sync_to_async(make_psychologist)("Claire", status=Status.AVAILABLE)
    workspace = await connect_workspace(claire)
    caller = await connect_caller()
    await caller.send({"type": "call.request", "psychologist_id": claire.pk})
    call_id = (await workspace.expect("call.ringing"))["call_id"]
    await workspace.send({"type": "call.accept", "call_id": call_id})
    await caller.expect("call.accepted")
    return claire, workspace, caller, call_id


async def test_a_supervisor_joins_talks_to_the_caller_and_carries_on_when_the_psychologist_leaves():
    claire, workspace, caller, call_id = await in_a_call()
    helene = await make_supervisor()
    board = await connect("/ws/supervision/", helene)
    helene_workspace = await connect_workspace(helene)

    await caller.send({"type": "signal", "call_id": call_id, "signal": OFFER, "to": "supervisor"})
    assert (await caller.expect("error"))["code"] == "bad_message"  # nobody has joined yet
    await board.send({"type": "call.join", "call_id": call_id})
    await board.expect("call.joining")
    assert (await helene_workspace.expect("call.joined"))["call_id"] == call_id
    await caller.expect("call.supervisor_joined")
    await workspace.expect("call.supervisor_joined")
    assert await database_sync_to_async(lambda: Presence.objects.get(pk=helene.pk).status)() == Status.IN_CALL

    # The supervisor's own peer connection with the caller: signals go between those two only.
    await caller.send({"type": "signal", "call_id": call_id, "signal": OFFER, "to": "supervisor"})
    assert (await helene_workspace.expect("signal"))["signal"] == OFFER
    await helene_workspace.send({"type": "signal", "call_id": call_id, "signal": ANSWER})
    relayed = await caller.expect("signal")
    assert relayed["from"] == "supervisor" and relayed["signal"] == ANSWER

    await workspace.send({"type": "call.hand_over", "call_id": call_id})
    seen = []
    while (event := await workspace.receive())["type"] != "call.ended":
        seen.append(event["type"])
    assert event["reason"] == "handed_over"
    assert "signal" not in seen  # the caller's signals to the supervisor never reached the psychologist
    await caller.expect("call.handed_over")
    await helene_workspace.expect("call.handed_over")
    call = await database_sync_to_async(Call.objects.get)(pk=call_id)
    assert (
        call.state == CallState.CONNECTED and call.psychologist_id == helene.pk and call.supervisor_id is None
    )

    await helene_workspace.send({"type": "call.hangup", "call_id": call_id})
    await caller.expect("call.ended")
    assert (await database_sync_to_async(Call.objects.get)(pk=call_id)).state == CallState.ENDED


async def test_handing_over_without_a_supervisor_or_joining_twice_is_refused():
    claire, workspace, caller, call_id = await in_a_call()
    await workspace.send({"type": "call.hand_over", "call_id": call_id})
    assert (await workspace.expect("error"))["code"] == "illegal_transition"
    await caller.send({"type": "signal", "call_id": call_id, "signal": OFFER, "to": "someone"})
    assert (await caller.expect("error"))["code"] == "bad_message"
    helene = await make_supervisor()
    board = await connect("/ws/supervision/", helene)
    await database_sync_to_async(lambda: Presence.objects.filter(pk=helene.pk).update(session=""))()
    await board.send({"type": "call.join", "call_id": call_id})
    assert (await board.expect("error"))["code"] == "workspace_needed"  # no workspace open
    await connect_workspace(helene)
    await board.send({"type": "call.join", "call_id": call_id})
    await board.expect("call.joining")
    await board.send({"type": "call.join", "call_id": call_id})
    assert (await board.expect("error"))["code"] == "illegal_transition"  # already joined
    call = await database_sync_to_async(Call.objects.get)(pk=call_id)
    assert call.psychologist_id == claire.pk and call.supervisor_id == helene.pk
