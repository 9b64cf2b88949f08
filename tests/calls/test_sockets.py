"""The websockets of the line, driven as the browsers drive them, through the real ASGI application."""

import json
import uuid

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from ecoute.asgi import application
from ecoute.calls.models import Call, CallState
from ecoute.presence.models import Presence, Status
from tests.support.cast import make_outsider, make_psychologist
from tests.support.sockets import ORIGIN, connect, connect_caller, connect_workspace

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]

OFFER = {"description": {"type": "offer", "sdp": "v=0\r\no=- 1 2 IN IP4 0.0.0.0\r\ns=-\r\n"}}
ANSWER = {"description": {"type": "answer", "sdp": "v=0\r\no=- 3 4 IN IP4 0.0.0.0\r\ns=-\r\n"}}

psychologist = database_sync_to_async(make_psychologist)


async def state_of(call_id) -> str:
    return await database_sync_to_async(lambda: Call.objects.get(pk=call_id).state)()


async def presence_of(user) -> str:
    return await database_sync_to_async(lambda: Presence.objects.get(pk=user.pk).status)()


async def available(user):
    workspace = await connect_workspace(user)
    await workspace.send({"type": "status.set", "status": "available"})
    assert (await workspace.expect("presence.self"))["status"] == Status.AVAILABLE
    return workspace


async def connected_call(user):
    """A caller and a psychologist in a connected call: (caller, workspace, call_id)."""
    workspace = await available(user)
    caller = await connect_caller()
    await caller.send({"type": "call.request", "psychologist_id": user.pk})
    ringing = await caller.expect("call.ringing")
    call_id = ringing["call_id"]
    assert ringing["by_supervisor"] is False  # a psychologist of the line rings
    assert (await workspace.expect("call.ringing"))["call_id"] == call_id
    await workspace.send({"type": "call.accept", "call_id": call_id})
    await caller.expect("call.accepted")
    await workspace.expect("call.connected")
    return caller, workspace, call_id


# --- Presence reaches the board --------------------------------------------------------------


async def test_presence_changes_reach_every_board_watcher():
    claire = await psychologist("Claire")
    watchers = [await connect_caller() for _ in range(3)]
    workspace = await available(claire)
    for watcher in watchers:
        event = await watcher.expect("presence")
        if event["changes"][0]["status"] == "away":  # her workspace opening, in a frame of its own
            event = await watcher.expect("presence")
        assert {"id": claire.pk, "status": "available"}.items() <= event["changes"][0].items()
    await workspace.send({"type": "status.set", "status": "break"})
    for watcher in watchers:
        assert (await watcher.expect("presence"))["changes"][0]["status"] == "away"


async def test_a_new_watcher_gets_the_board_as_it_is_now():
    claire = await psychologist("Claire", status=Status.AVAILABLE)
    caller = await connect("/ws/line/")
    snapshot = await caller.expect("presence")
    assert {"id": claire.pk, "status": "available", "version": 0} in snapshot["changes"]


async def test_a_workspace_connecting_sends_nothing_to_the_board():
    """Nothing changed for callers: thousands of watchers must not get a frame per reconnection."""
    claire = await psychologist("Claire")
    watcher = await connect_caller()
    workspace = await connect_workspace(claire)
    assert workspace
    await watcher.nothing_more("presence", wait=0.5)


async def test_closing_the_workspace_shows_the_psychologist_away_at_once():
    claire = await psychologist("Claire")
    workspace = await available(claire)
    watcher = await connect_caller()
    await workspace.close()
    change = (await watcher.expect("presence"))["changes"][0]
    assert (change["id"], change["status"]) == (claire.pk, "away")
    assert await presence_of(claire) == Status.OFFLINE


async def test_a_second_workspace_window_takes_over_the_first():
    claire = await psychologist("Claire")
    first = await available(claire)
    second = await connect_workspace(claire)
    await first.expect("session.replaced")
    await first.close()
    assert await presence_of(claire) == Status.AVAILABLE  # the old window's closing changes nothing
    await second.send({"type": "status.set", "status": "break"})
    assert (await second.expect("presence.self"))["status"] == Status.BREAK


# --- A call, start to end -----------------------------------------------------------------------


async def test_a_call_rings_connects_relays_signals_and_ends():
    claire = await psychologist("Claire")
    caller, workspace, call_id = await connected_call(claire)
    await caller.send({"type": "signal", "call_id": call_id, "signal": OFFER})
    assert (await workspace.expect("signal"))["signal"] == OFFER
    await workspace.send({"type": "signal", "call_id": call_id, "signal": ANSWER})
    assert (await caller.expect("signal"))["signal"] == ANSWER
    await workspace.send({"type": "call.hangup", "call_id": call_id})
    assert (await caller.expect("call.ended"))["reason"] == "psychologist_hung_up"
    await workspace.expect("call.ended")
    assert await state_of(call_id) == CallState.ENDED
    assert await presence_of(claire) == Status.WRAP_UP


async def test_each_party_receives_its_own_ice_configuration():
    claire = await psychologist("Claire")
    workspace = await available(claire)
    caller = await connect_caller()
    await caller.send({"type": "call.request", "psychologist_id": claire.pk})
    call_id = (await workspace.expect("call.ringing"))["call_id"]
    await workspace.send({"type": "call.accept", "call_id": call_id})
    assert set((await caller.expect("call.accepted"))["ice"]) == {"iceServers", "iceTransportPolicy"}
    assert set((await workspace.expect("call.connected"))["ice"]) == {"iceServers", "iceTransportPolicy"}


async def test_signals_reach_only_the_other_party_of_that_call():
    claire, karim = await psychologist("Claire"), await psychologist("Karim")
    caller_a, workspace_a, call_a = await connected_call(claire)
    caller_b, workspace_b, call_b = await connected_call(karim)
    await caller_a.send({"type": "signal", "call_id": call_a, "signal": OFFER})
    await workspace_a.expect("signal")
    await workspace_b.nothing_more("signal")
    await caller_b.nothing_more("signal")


async def test_tapping_a_busy_psychologist_says_so_and_offers_the_next_one():
    claire, karim = await psychologist("Claire"), await psychologist("Karim")
    await connected_call(claire)
    await available(karim)
    caller = await connect_caller()
    await caller.send({"type": "call.request", "psychologist_id": claire.pk})
    busy = await caller.expect("call.busy")
    assert busy["alternative"] == {"id": karim.pk, "name": "Karim"} and busy["phone"]


async def test_when_nobody_is_free_the_caller_gets_the_phone_number():
    claire = await psychologist("Claire")
    await connected_call(claire)
    caller = await connect_caller()
    await caller.send({"type": "call.request", "psychologist_id": claire.pk})
    busy = await caller.expect("call.busy")
    assert busy["alternative"] is None and busy["phone"] == "0 805 23 23 36"


async def test_a_declined_call_offers_the_next_psychologist_and_can_ring_them():
    claire, karim = await psychologist("Claire"), await psychologist("Karim")
    workspace_claire, workspace_karim = await available(claire), await available(karim)
    caller = await connect_caller()
    await caller.send({"type": "call.request", "psychologist_id": claire.pk})
    call_id = (await workspace_claire.expect("call.ringing"))["call_id"]
    await workspace_claire.send({"type": "call.decline", "call_id": call_id})
    unanswered = await caller.expect("call.unanswered")
    assert unanswered["reason"] == "declined" and unanswered["alternative"]["id"] == karim.pk
    await caller.send({"type": "call.request", "psychologist_id": karim.pk})
    assert (await workspace_karim.expect("call.ringing"))["call_id"] == call_id  # the same call, rerouted


async def test_caller_who_leaves_while_it_rings_stops_the_ringing():
    claire = await psychologist("Claire")
    workspace = await available(claire)
    caller = await connect_caller()
    await caller.send({"type": "call.request", "psychologist_id": claire.pk})
    call_id = (await workspace.expect("call.ringing"))["call_id"]
    await caller.close()
    assert (await workspace.expect("call.cancelled"))["call_id"] == call_id
    assert await state_of(call_id) == CallState.ABANDONED
    assert await presence_of(claire) == Status.AVAILABLE


async def test_psychologist_whose_workspace_closes_mid_call_releases_the_caller():
    claire = await psychologist("Claire")
    caller, workspace, call_id = await connected_call(claire)
    await workspace.close()
    assert (await caller.expect("call.ended"))["reason"] == "psychologist_lost"
    assert await presence_of(claire) == Status.OFFLINE


async def test_returning_caller_is_told_who_they_talked_to_and_the_psychologist_that_they_came_back(settings):
    settings.ECOUTE_MIN_WRAP_UP_SECONDS = 0  # straight back to available after the first call
    claire = await psychologist("Claire")
    caller, workspace, call_id = await connected_call(claire)
    await caller.send({"type": "call.hangup", "call_id": call_id})
    await workspace.expect("call.ended")
    await workspace.send({"type": "status.set", "status": "available"})
    again = await connect("/ws/line/")
    await again.send({"type": "hello", "caller_key": "c" * 43})
    assert (await again.expect("hello"))["my_psychologists"] == [claire.pk]
    await again.send({"type": "call.request", "psychologist_id": claire.pk})
    assert (await workspace.expect("call.ringing"))["returning"] is True
    stranger = await connect_caller("d" * 43)
    assert stranger  # a different device knows nothing of Claire
    await stranger.send({"type": "hello", "caller_key": "d" * 43})
    assert (await stranger.expect("hello"))["my_psychologists"] == []


# --- Everything wrong gets an error event and changes nothing ---------------------------------

BAD_FRAMES = [
    ("{not json", "bad_json"),
    ("[1, 2]", "bad_message"),
    ('{"no_type": 1}', "bad_message"),
    ('{"type": "call.teleport"}', "unknown_type"),
    (json.dumps({"type": "call.request", "psychologist_id": "1"}), "bad_message"),
    (json.dumps({"type": "call.request", "psychologist_id": True}), "bad_message"),
    (json.dumps({"type": "hello", "caller_key": "short"}), "bad_message"),
    (json.dumps({"type": "signal", "call_id": "not-a-uuid", "signal": OFFER}), "bad_message"),
    (json.dumps({"type": "x" * 70_000}), "too_large"),
]


@pytest.mark.parametrize("frame, code", BAD_FRAMES)
async def test_malformed_caller_messages_get_an_error_and_change_nothing(frame, code):
    claire = await psychologist("Claire", status=Status.AVAILABLE)
    caller = await connect_caller()
    await caller.send(frame)
    assert (await caller.expect("error"))["code"] == code
    assert await presence_of(claire) == Status.AVAILABLE
    assert not await database_sync_to_async(Call.objects.exists)()


@pytest.mark.parametrize(
    "frame, code",
    [
        ("{oops", "bad_json"),
        (json.dumps({"type": "status.set", "status": "on_the_moon"}), "call_error"),
        (json.dumps({"type": "status.set"}), "bad_message"),
        (json.dumps({"type": "call.accept", "call_id": 12}), "bad_message"),
        (json.dumps({"type": "x" * 70_000}), "too_large"),
        (json.dumps({"type": "presence.self"}), "unknown_type"),
    ],
)
async def test_malformed_workspace_messages_get_an_error_and_change_nothing(frame, code):
    claire = await psychologist("Claire")
    workspace = await available(claire)
    await workspace.send(frame)
    error = await workspace.expect("error")
    assert error["code"] == code or (code == "call_error" and error["message"])
    assert await presence_of(claire) == Status.AVAILABLE


async def test_binary_frames_are_refused():
    caller = await connect_caller()
    await caller.communicator.send_to(bytes_data=b"\x00\x01")
    assert (await caller.expect("error"))["code"] == "bad_message"


async def test_a_replayed_accept_gets_an_error_and_changes_nothing():
    claire = await psychologist("Claire")
    caller, workspace, call_id = await connected_call(claire)
    await workspace.send({"type": "call.accept", "call_id": call_id})
    assert (await workspace.expect("error"))["code"] == "illegal_transition"
    assert await state_of(call_id) == CallState.CONNECTED
    await caller.nothing_more("call.accepted")


async def test_accepting_an_unknown_call_is_refused():
    claire = await psychologist("Claire")
    workspace = await available(claire)
    await workspace.send({"type": "call.accept", "call_id": str(uuid.uuid4())})
    assert (await workspace.expect("error"))["code"] == "illegal_transition"
    assert await presence_of(claire) == Status.AVAILABLE


async def test_signalling_from_someone_not_in_the_call_is_refused_and_relayed_to_nobody():
    claire, karim = await psychologist("Claire"), await psychologist("Karim")
    caller, workspace, call_id = await connected_call(claire)
    intruder_workspace = await available(karim)
    await intruder_workspace.send({"type": "signal", "call_id": call_id, "signal": OFFER})
    assert (await intruder_workspace.expect("error"))["code"] == "not_your_call"
    intruder_caller = await connect_caller("e" * 43)
    await intruder_caller.send({"type": "signal", "call_id": call_id, "signal": OFFER})
    assert (await intruder_caller.expect("error"))["code"] == "not_your_call"
    await caller.nothing_more("signal")
    await workspace.nothing_more("signal")


async def test_foreign_call_ids_are_refused_for_hang_up():
    claire = await psychologist("Claire")
    caller, workspace, call_id = await connected_call(claire)
    other = str(uuid.uuid4())
    await caller.send({"type": "call.hangup", "call_id": other})
    assert (await caller.expect("error"))["code"] == "not_your_call"
    await workspace.send({"type": "call.hangup", "call_id": other})
    assert (await workspace.expect("error"))["code"] == "not_your_call"
    assert await state_of(call_id) == CallState.CONNECTED


async def test_signalling_before_the_call_is_answered_is_refused():
    claire = await psychologist("Claire")
    workspace = await available(claire)
    caller = await connect_caller()
    await caller.send({"type": "call.request", "psychologist_id": claire.pk})
    call_id = (await caller.expect("call.ringing"))["call_id"]
    await caller.send({"type": "signal", "call_id": call_id, "signal": OFFER})
    assert (await caller.expect("error"))["code"] == "not_connected"
    await workspace.nothing_more("signal")


async def test_malformed_signals_are_refused():
    claire = await psychologist("Claire")
    caller, workspace, call_id = await connected_call(claire)
    for signal in [
        None,
        "offer",
        {"description": {"type": "rollback", "sdp": "v=0"}},
        {"candidate": {"candidate": 5}},
    ]:
        await caller.send({"type": "signal", "call_id": call_id, "signal": signal})
        assert (await caller.expect("error"))["code"] == "refused"
    await workspace.nothing_more("signal")


async def test_a_second_call_request_during_a_call_is_refused():
    claire, karim = await psychologist("Claire"), await psychologist("Karim")
    await available(karim)
    caller, workspace, call_id = await connected_call(claire)
    await caller.send({"type": "call.request", "psychologist_id": karim.pk})
    assert (await caller.expect("error"))["code"] == "already_in_call"
    assert await presence_of(karim) == Status.AVAILABLE


async def test_the_workspace_refuses_anonymous_visitors_and_staff_who_do_not_listen():
    anonymous = WebsocketCommunicator(application, "/ws/workspace/", headers=[ORIGIN])
    connected, code = await anonymous.connect()
    assert not connected and code == 4403
    outsider = await database_sync_to_async(make_outsider)()
    with pytest.raises(AssertionError, match="refused"):
        await connect("/ws/workspace/", outsider)


async def test_websockets_from_another_site_are_refused():
    foreign = WebsocketCommunicator(application, "/ws/line/", headers=[(b"origin", b"https://evil.example")])
    connected, _ = await foreign.connect()
    assert not connected


async def test_with_the_relay_on_a_callers_offer_reaches_the_psychologist_without_the_callers_address(
    settings,
):
    """The server, not the caller's browser, guarantees it: a browser ignoring the relay policy changes nothing."""
    settings.ECOUTE_TURN_URLS, settings.ECOUTE_TURN_SECRET = ["turn:turn.example.org:3478"], "secret"
    claire = await psychologist("Claire")
    caller, workspace, call_id = await connected_call(claire)
    sdp = "\r\n".join(
        [
            "v=0",
            "o=- 1 2 IN IP4 203.0.113.77",
            "s=-",
            "c=IN IP4 203.0.113.77",
            "a=candidate:1 1 udp 2122260223 203.0.113.77 54321 typ host",
            "a=candidate:2 1 udp 41885439 198.51.100.5 49200 typ relay raddr 203.0.113.77 rport 54321",
            "",
        ]
    )
    await caller.send(
        {"type": "signal", "call_id": call_id, "signal": {"description": {"type": "offer", "sdp": sdp}}}
    )
    received = (await workspace.expect("signal"))["signal"]["description"]["sdp"]
    assert "203.0.113.77" not in received and "198.51.100.5 49200 typ relay raddr 0.0.0.0 rport 0" in received
    relay = {
        "candidate": "candidate:2 1 udp 41885439 198.51.100.5 49200 typ relay raddr 203.0.113.77 rport 54321",
        "sdpMid": "0",
        "sdpMLineIndex": 0,
        "relatedAddress": "203.0.113.77",
    }
    await caller.send({"type": "signal", "call_id": call_id, "signal": {"candidate": relay}})
    assert "203.0.113.77" not in json.dumps(await workspace.expect("signal"))
