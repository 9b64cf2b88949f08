"""The caller's socket and the board under the abuse limits: calm answers, once-only danger, blocks."""

import pytest
from asgiref.sync import sync_to_async

from ecoute.calls.models import Call, Priority
from tests.support.contacts import make_staff
from tests.support.sockets import connect, connect_caller

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


async def test_a_socket_flooding_messages_is_told_to_slow_down_then_closed(settings):
    caller = await connect_caller()
    for _ in range(40):
        await caller.send({"type": "heartbeat"})
    assert (await caller.expect("error"))["code"] == "slow_down"
    for _ in range(250):
        await caller.send({"type": "heartbeat"})
    closed = await caller.communicator.receive_output(5)
    while closed["type"] != "websocket.close":
        closed = await caller.communicator.receive_output(5)
    assert closed["code"] == 4429


async def test_the_second_danger_mark_of_a_call_is_answered_calmly():
    caller = await connect_caller()
    await caller.send({"type": "queue.join"})
    call_id = (await caller.expect("queue.joined"))["call_id"]
    await caller.send({"type": "queue.urgent", "call_id": call_id})
    await caller.send({"type": "queue.urgent", "call_id": call_id})
    error = await caller.expect("error")
    assert error["code"] == "already_urgent"
    call = await Call.objects.aget(pk=call_id)
    assert call.priority == Priority.URGENT


async def test_a_supervisor_blocks_a_waiting_call_from_the_board():
    caller = await connect_caller()
    await caller.send({"type": "queue.join"})
    call_id = (await caller.expect("queue.joined"))["call_id"]
    supervisor = await sync_to_async(make_staff)("supervisor")
    board = await connect("/ws/supervision/", supervisor)
    await board.send({"type": "call.block", "call_id": call_id, "scope": "device", "hours": 2})
    assert (await board.expect("call.blocked"))["ended"] == 1
    assert (await caller.expect("call.ended"))["reason"] == "blocked"


async def test_one_socket_cannot_ring_psychologists_again_and_again(settings):
    from tests.support.cast import make_psychologist
    from tests.support.sockets import connect_workspace

    settings.ECOUTE_ABUSE_CALLS_PER_DEVICE = 3
    claire = await sync_to_async(make_psychologist)("Claire")
    workspace = await connect_workspace(claire)
    await workspace.send({"type": "status.set", "status": "available"})
    await workspace.expect("presence.self")
    caller = await connect_caller()
    for attempt in range(3):  # ring, declined at once, ring again...
        await caller.send({"type": "call.request", "psychologist_id": claire.pk})
        call_id = (await workspace.expect("call.ringing"))["call_id"]
        await workspace.send({"type": "call.decline", "call_id": call_id})
        assert (await caller.expect("call.unanswered"))["type"] == "call.unanswered", attempt
        await workspace.send({"type": "status.set", "status": "available"})
        await workspace.expect("presence.self")
    await caller.send({"type": "call.request", "psychologist_id": claire.pk})
    refused = await caller.expect("error")
    assert refused["code"] == "too_many_calls" and refused["phone"]
    await workspace.nothing_more("call.ringing")
