"""The queue over the caller's websocket: join, position, danger, leave, resume; every bad message refused."""

from datetime import timedelta

import pytest
from channels.db import database_sync_to_async
from django.utils import timezone

from ecoute.calls.models import Alert, AlertKind, Call, CallState, Priority
from ecoute.calls.supervision.alerts import raise_due_alerts
from ecoute.presence.models import Presence, Status
from tests.support.cast import make_psychologist
from tests.support.sockets import connect_caller, connect_workspace

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]

psychologist = database_sync_to_async(make_psychologist)


def call_row(call_id) -> Call:
    return Call.objects.get(pk=call_id)


@database_sync_to_async
def set_status(user, status: str) -> None:
    Presence.objects.filter(pk=user.pk).update(status=status)


async def row(call_id) -> Call:
    return await database_sync_to_async(call_row)(call_id)


async def join(caller, **fields) -> str:
    await caller.send({"type": "queue.join", **fields})
    return (await caller.expect("queue.joined"))["call_id"]


async def test_nobody_free_the_caller_waits_with_a_position_then_the_first_listener_free_rings(settings):
    settings.ECOUTE_MIN_WRAP_UP_SECONDS = 0
    claire = await psychologist("Claire", status=Status.IN_CALL)
    first, second = await connect_caller("a" * 43), await connect_caller("b" * 43)
    first_id = await join(first)
    assert (await first.expect("queue.position"))["position"] == 1
    second_id = await join(second)
    position = await second.expect("queue.position")
    assert position["position"] == 2 and position["estimated_wait"] > 0 and not position["urgent"]

    workspace = await connect_workspace(claire)
    await set_status(claire, Status.WRAP_UP)
    await workspace.send({"type": "status.set", "status": "available"})
    assert (await workspace.expect("call.ringing"))["call_id"] == first_id
    assert (await first.expect("call.ringing"))["call_id"] == first_id
    assert (await second.expect("queue.position"))["position"] == 1  # the queue moved up
    await workspace.send({"type": "call.accept", "call_id": first_id})
    await first.expect("call.accepted")
    assert (await row(second_id)).state == CallState.REQUESTED


async def test_in_danger_goes_to_the_front_and_alerts_supervisors():
    await psychologist("Claire", status=Status.IN_CALL)
    first, second = await connect_caller("a" * 43), await connect_caller("b" * 43)
    await join(first)
    await first.expect("queue.position")
    second_id = await join(second)
    await second.expect("queue.position")
    await second.send({"type": "queue.urgent", "call_id": second_id})
    position = await second.expect("queue.position")
    assert position["position"] == 1 and position["urgent"]
    assert (await first.expect("queue.position"))["position"] == 2
    assert (await row(second_id)).priority == Priority.URGENT
    assert await database_sync_to_async(Alert.objects.filter(kind=AlertKind.DANGER).count)() == 1


async def test_leaving_the_queue_abandons_the_call_explicitly():
    caller = await connect_caller()
    call_id = await join(caller)
    await caller.send({"type": "call.hangup", "call_id": call_id})
    await caller.nothing_more("error")
    call = await row(call_id)
    assert call.state == CallState.ABANDONED and call.end_reason == "caller_left"


async def test_a_reconnected_caller_resumes_their_place():
    await psychologist("Claire", status=Status.IN_CALL)
    caller = await connect_caller("r" * 43)
    call_id = await join(caller)
    await caller.expect("queue.position")
    # The app loses its socket without a goodbye (its server process died): a new one picks up.
    again = await connect_caller("r" * 43)
    await again.send({"type": "call.resume", "call_id": call_id})
    event = await again.expect("queue.position")
    assert event["call_id"] == call_id and event["position"] == 1 and event["resumed"]


async def test_only_the_device_that_placed_a_call_can_resume_it():
    caller = await connect_caller("r" * 43)
    call_id = await join(caller)
    stranger = await connect_caller("s" * 43)
    await stranger.send({"type": "call.resume", "call_id": call_id})
    assert (await stranger.expect("call.ended"))["reason"] == "gone"
    assert (await row(call_id)).state == CallState.REQUESTED


async def test_waiting_for_ones_own_psychologist_or_anyone_now(settings):
    settings.ECOUTE_MIN_WRAP_UP_SECONDS = 0
    claire = await psychologist("Claire", status=Status.AVAILABLE)
    workspace = await connect_workspace(claire)
    caller = await connect_caller("m" * 43)
    await caller.send({"type": "call.request", "psychologist_id": claire.pk})
    call_id = (await caller.expect("call.ringing"))["call_id"]
    await workspace.send({"type": "call.accept", "call_id": call_id})
    await caller.expect("call.accepted")
    await caller.send({"type": "call.hangup", "call_id": call_id})
    await workspace.expect("call.ended")
    await set_status(claire, Status.IN_CALL)
    karim = await psychologist("Karim", status=Status.AVAILABLE)

    again = await connect_caller("m" * 43)
    waiting_id = await join(again, psychologist_id=claire.pk)
    position = await again.expect("queue.position")
    assert position["waiting_for"] == claire.pk and position["estimated_wait"] >= 60
    await again.send({"type": "queue.anyone", "call_id": waiting_id})
    assert (await again.expect("call.ringing"))["psychologist_id"] == karim.pk


@pytest.mark.parametrize(
    "message, code",
    [
        ({"type": "queue.join", "language": "xx"}, "unknown_language"),
        ({"type": "queue.join", "language": 12}, "bad_message"),
        ({"type": "queue.join", "language": "x" * 40}, "bad_message"),
        ({"type": "queue.join", "psychologist_id": "1"}, "bad_message"),
        ({"type": "queue.join", "psychologist_id": 999999}, "not_your_psychologist"),
        ({"type": "queue.urgent", "call_id": "not-a-uuid"}, "bad_message"),
        ({"type": "queue.urgent", "call_id": "00000000-0000-0000-0000-000000000000"}, "not_your_call"),
        ({"type": "queue.anyone", "call_id": "00000000-0000-0000-0000-000000000000"}, "not_your_call"),
        ({"type": "call.resume", "call_id": 3}, "bad_message"),
    ],
)
async def test_bad_queue_messages_get_an_error_and_change_nothing(message, code):
    caller = await connect_caller()
    await caller.send(message)
    assert (await caller.expect("error"))["code"] == code
    assert await database_sync_to_async(Call.objects.count)() == 0


async def test_joining_twice_or_tapping_while_queued_is_refused():
    await psychologist("Claire", status=Status.AVAILABLE)
    caller = await connect_caller()
    call_id = await join(caller)
    await caller.send({"type": "queue.join"})
    assert (await caller.expect("error"))["code"] == "already_in_call"
    await caller.send({"type": "call.request", "psychologist_id": 1})
    assert (await caller.expect("error"))["code"] == "already_in_call"
    assert await database_sync_to_async(Call.objects.count)() == 1
    assert (await row(call_id)).state == CallState.RINGING  # Claire was free: it rang at once


async def test_urgent_on_a_direct_tap_is_refused():
    claire = await psychologist("Claire", status=Status.AVAILABLE)
    caller = await connect_caller()
    await caller.send({"type": "call.request", "psychologist_id": claire.pk})
    call_id = (await caller.expect("call.ringing"))["call_id"]
    await caller.send({"type": "queue.urgent", "call_id": call_id})
    assert (await caller.expect("error"))["code"] == "not_waiting"
    assert (await row(call_id)).priority == Priority.NORMAL


async def test_a_join_sent_again_with_the_same_call_id_resumes_instead_of_doubling():
    caller = await connect_caller("r" * 43)
    call_id = "6d1c3c55-4e0c-4a47-9d0a-0b7c3f7d2a11"
    await caller.send({"type": "queue.join", "call_id": call_id})
    assert (await caller.expect("queue.joined"))["call_id"] == call_id
    again = await connect_caller("r" * 43)  # the answer was lost with its server process: sent again
    await again.send({"type": "queue.join", "call_id": call_id})
    assert (await again.expect("queue.position"))["resumed"]
    stranger = await connect_caller("s" * 43)  # someone else's id is not a way into their call
    await stranger.send({"type": "queue.join", "call_id": call_id})
    assert (await stranger.expect("call.ended"))["reason"] == "gone"
    assert await database_sync_to_async(Call.objects.count)() == 1


async def test_a_caller_whose_network_drops_keeps_their_place_and_resumes_it():
    await psychologist("Claire", status=Status.IN_CALL)
    first, second = await connect_caller("f" * 43), await connect_caller("s" * 43)
    first_id = await join(first)
    await first.expect("queue.position")
    await join(second)
    assert (await second.expect("queue.position"))["position"] == 2
    await first.close()  # the phone went through a tunnel: no goodbye, no hang-up
    assert (await row(first_id)).state == CallState.REQUESTED
    await second.nothing_more("queue.position", wait=0.5)  # the second caller has not moved ahead
    back = await connect_caller("f" * 43)
    await back.send({"type": "queue.join", "call_id": first_id})  # what the app sends on reconnection
    event = await back.expect("queue.position")
    assert event["call_id"] == first_id and event["position"] == 1 and event["resumed"]


async def test_an_open_socket_keeps_a_waiting_call_alive_without_the_apps_heartbeat(settings):
    settings.ECOUTE_QUEUE_REFRESH_SECONDS = 1
    caller = await connect_caller()
    call_id = await join(caller)
    await caller.expect("queue.position")
    joined_seen = (await row(call_id)).caller_seen_at
    await caller.expect("queue.position", timeout=3)  # the next refresh, the queue unchanged ("waited" moved)
    assert (await row(call_id)).caller_seen_at > joined_seen


async def test_a_long_wait_alerts_the_supervisors_and_tells_the_caller_once(settings):
    settings.ECOUTE_LONG_WAIT_ALERT_SECONDS = 30
    caller = await connect_caller("a" * 43)
    call_id = await join(caller)
    await caller.expect("queue.position")
    later = timezone.now() + timedelta(seconds=31)
    await database_sync_to_async(raise_due_alerts)(later)
    assert (await caller.expect("queue.supervisors_alerted")) == {
        "type": "queue.supervisors_alerted",
        "call_id": call_id,
    }
    await database_sync_to_async(raise_due_alerts)(later + timedelta(seconds=1))  # raised once, told once
    assert await database_sync_to_async(Alert.objects.filter(kind=AlertKind.LONG_WAIT).count)() == 1
    await caller.nothing_more("queue.supervisors_alerted")
