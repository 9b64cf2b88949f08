"""The media agent's socket: a phone call joins the same queue as the app's callers, on the channel "phone"."""

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from ecoute.asgi import application
from ecoute.calls.models import Call, CallState, Channel
from ecoute.feedback.models import FeedbackCount
from ecoute.presence.models import Presence, Status
from tests.support.cast import make_psychologist
from tests.support.sockets import ORIGIN, Socket, connect_caller, connect_workspace

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]

SECRET = "s" * 40
HASH, PREVIOUS = "a" * 64, "b" * 64


@pytest.fixture(autouse=True)
def _phone_line_on(settings):
    settings.ECOUTE_TELEPHONY_SECRET = SECRET
    settings.ECOUTE_MIN_WRAP_UP_SECONDS = 0


async def open_phone_socket(secret=SECRET, source=HASH, previous=PREVIOUS):
    headers = [ORIGIN, (b"x-ecoute-telephony-secret", secret.encode()), (b"x-ecoute-source", source.encode())]
    if previous is not None:
        headers.append((b"x-ecoute-source-previous", previous.encode()))
    communicator = WebsocketCommunicator(application, "/ws/telephony/", headers=headers)
    connected, code = await communicator.connect(timeout=5)
    return communicator, connected, code


async def phone_caller(**headers) -> Socket:
    communicator, connected, _ = await open_phone_socket(**headers)
    assert connected
    phone = Socket(communicator)
    await phone.send({"type": "hello", "caller_key": "p" * 43})
    await phone.expect("hello")  # no board snapshot first: the agent has no use for it
    return phone


@pytest.mark.parametrize(
    "headers",
    [
        {"secret": "wrong"},
        {"secret": ""},
        {"source": "0612345678"},  # never a number: only the edge's hash
        {"source": "A" * 64},
        {"source": HASH, "previous": "nothex"},
    ],
)
async def test_only_the_agent_with_the_edges_hash_may_open_it(headers):
    communicator, connected, code = await open_phone_socket(**headers)
    assert not connected and code == 4403
    assert not await database_sync_to_async(Call.objects.exists)()


async def test_closed_when_the_phone_line_is_off(settings):
    settings.ECOUTE_TELEPHONY_SECRET = ""
    communicator, connected, code = await open_phone_socket(secret="")
    assert not connected and code == 4403


async def test_a_phone_caller_and_an_app_caller_wait_in_one_queue_in_arrival_order():
    claire = await database_sync_to_async(make_psychologist)("Claire", status=Status.IN_CALL)
    phone = await phone_caller()
    await phone.send({"type": "queue.join"})
    phone_call = (await phone.expect("queue.joined"))["call_id"]
    app = await connect_caller("a" * 43)
    await app.send({"type": "queue.join"})
    app_call = (await app.expect("queue.joined"))["call_id"]
    assert (await app.expect("queue.position"))["position"] == 2

    workspace = await connect_workspace(claire)
    await database_sync_to_async(Presence.objects.filter(pk=claire.pk).update)(status=Status.WRAP_UP)
    await workspace.send({"type": "status.set", "status": "available"})
    assert (await workspace.expect("call.ringing"))["call_id"] == phone_call
    # The agent gets its ICE servers with the ring: it prepares its offer while the call rings.
    ringing = await phone.expect("call.ringing")
    assert ringing["ice"]["iceServers"] is not None and ringing["ice"]["iceTransportPolicy"] in (
        "all",
        "relay",
    )
    await workspace.send({"type": "call.accept", "call_id": phone_call})
    assert "ice" in await phone.expect("call.accepted")

    calls = await database_sync_to_async(lambda: {str(c.pk): c for c in Call.objects.all()})()
    assert calls[phone_call].channel == Channel.PHONE and calls[phone_call].state == CallState.CONNECTED
    assert calls[app_call].channel == Channel.APP and calls[app_call].state == CallState.REQUESTED

    # The phone caller hangs up: the call ends as the app's would.
    await phone.send({"type": "call.hangup", "call_id": phone_call})
    await workspace.expect("call.ended")
    assert (await database_sync_to_async(Call.objects.get)(pk=phone_call)).state == CallState.ENDED


async def test_a_withheld_number_is_accepted_like_any_other():
    phone = await phone_caller(source="withheld", previous=None)
    await phone.send({"type": "queue.join"})
    call_id = (await phone.expect("queue.joined"))["call_id"]
    assert (await database_sync_to_async(Call.objects.get)(pk=call_id)).channel == Channel.PHONE


async def test_the_phone_callers_danger_key_puts_them_first():
    await database_sync_to_async(make_psychologist)("Claire", status=Status.IN_CALL)
    app = await connect_caller("a" * 43)
    await app.send({"type": "queue.join"})
    await app.expect("queue.joined")
    phone = await phone_caller()
    await phone.send({"type": "queue.join"})
    call_id = (await phone.expect("queue.joined"))["call_id"]
    await phone.send({"type": "queue.urgent", "call_id": call_id})
    position = await phone.expect("queue.position", timeout=5)
    while not position["urgent"]:
        position = await phone.expect("queue.position", timeout=5)
    assert position["position"] == 1


async def test_a_supervisor_blocks_a_phone_source_and_the_same_number_is_refused_until_then():
    from ecoute.abuse import blocks
    from tests.support.contacts import make_staff

    supervisor = await database_sync_to_async(make_staff)("supervisor")
    phone = await phone_caller()
    await phone.send({"type": "queue.join"})
    call_id = (await phone.expect("queue.joined"))["call_id"]
    ended = await database_sync_to_async(blocks.block_call)(call_id, "source", 2, supervisor)
    assert ended == 1
    assert (await phone.expect("call.ended"))["reason"] == "blocked"

    again = await phone_caller()  # the same number calls back: the edge's hash is the same
    await again.send({"type": "queue.join"})
    assert (await again.expect("error"))["code"] == "blocked"
    other = await phone_caller(source="c" * 64, previous="d" * 64)  # another number still gets in
    await other.send({"type": "queue.join"})
    await other.expect("queue.joined")


async def test_a_known_code_de_suivi_links_the_call_and_offers_its_psychologist_first():
    from ecoute.lib import clock
    from ecoute.telephony import follow_up

    claire = await database_sync_to_async(make_psychologist)("Claire", status=Status.IN_CALL)

    def earlier_call_with_code():
        now = clock.now()
        call = Call.objects.create(
            channel=Channel.PHONE,
            state=CallState.CONNECTED,
            psychologist=claire,
            caller_key_hash="e" * 64,
            requested_at=now,
            answered_at=now,
        )
        follow_up.give(call.pk, claire.pk)  # pressed twice: the second code replaces the first
        return follow_up.give(call.pk, claire.pk)

    code = await database_sync_to_async(earlier_call_with_code)()
    communicator, connected, _ = await open_phone_socket()
    phone = Socket(communicator)
    await phone.send({"type": "hello", "caller_key": "p" * 43, "follow_up_code": code})
    assert await phone.expect("follow_up") == {
        "type": "follow_up",
        "known": True,
        "psychologist_id": claire.pk,
        "limited": False,
    }
    await phone.send({"type": "queue.join", "psychologist_id": claire.pk})
    call_id = (await phone.expect("queue.joined"))["call_id"]
    call = await database_sync_to_async(Call.objects.get)(pk=call_id)
    assert call.preferred_psychologist_id == claire.pk and call.caller_key_hash == "e" * 64
    # Counted for the statistics, as the app's follow-up links are: one agreed, one kept.
    counts = await database_sync_to_async(follow_up_counts)()
    assert counts == {("phone", "planned"): 1, ("phone", "kept"): 1}
    # One code per call: a second hello with another code is refused.
    await phone.send({"type": "hello", "caller_key": "q" * 43, "follow_up_code": "123456"})
    assert (await phone.expect("error"))["code"] == "bad_message"


def follow_up_counts() -> dict:
    from ecoute.followup.models import FollowUpCount

    return {(c.channel, c.outcome): c.count for c in FollowUpCount.objects.all()}


async def test_an_unknown_code_links_to_nothing():
    communicator, connected, _ = await open_phone_socket()
    phone = Socket(communicator)
    await phone.send({"type": "hello", "caller_key": "p" * 43, "follow_up_code": "000000"})
    assert (await phone.expect("follow_up"))["known"] is False


# --- A caller who hangs up in the menu ------------------------------------------------------------


async def test_a_hang_up_in_the_menu_is_an_abandoned_phone_call_linked_to_nothing():
    from django.template.loader import render_to_string

    from ecoute.calls import service_level
    from ecoute.calls.models import EndReason
    from ecoute.calls.supervision import board
    from ecoute.lib import clock

    communicator, connected, _ = await open_phone_socket()
    phone = Socket(communicator)
    await phone.send({"type": "menu.left", "seconds": 7.5})
    ended = await phone.expect("call.ended")
    assert ended["reason"] == "left_in_menu"
    call = await database_sync_to_async(Call.objects.get)(pk=ended["call_id"])
    assert call.channel == Channel.PHONE and call.state == CallState.ABANDONED
    assert call.end_reason == EndReason.LEFT_IN_MENU
    assert call.caller_key_hash == "" and call.queued_at is None and call.language_id is None
    assert 7 <= (call.ended_at - call.requested_at).total_seconds() <= 9  # requested when the line answered
    # Counted as the service figures count every abandoned call, however soon the caller left.
    outcome = await database_sync_to_async(lambda: service_level.outcome(Call.objects.all()))()
    assert (outcome.answered, outcome.abandoned) == (0, 1)
    figures = await database_sync_to_async(board.today_figures)(clock.now())
    assert figures["abandoned"] == 1 and figures["offered"] == 1 and figures["abandoned_in_menu"] == 1
    page = await database_sync_to_async(
        lambda: render_to_string("calls/supervision_board.html", {"board": board.read(clock.now())})
    )()
    assert "dont 1 dans le menu vocal" in page  # the supervisors' board tells the stage apart
    # One per call: a second one on the same socket is refused and stores nothing.
    await phone.send({"type": "menu.left", "seconds": 3})
    assert (await phone.expect("error"))["code"] == "already_in_call"
    assert await database_sync_to_async(Call.objects.count)() == 1


@pytest.mark.parametrize("seconds", [-1, 601, "7", True, None, float("nan")])
async def test_a_wrong_menu_duration_is_refused_and_stores_nothing(seconds):
    communicator, connected, _ = await open_phone_socket()
    phone = Socket(communicator)
    await phone.send({"type": "menu.left", "seconds": seconds})
    assert (await phone.expect("error"))["code"] == "bad_message"
    assert not await database_sync_to_async(Call.objects.exists)()


async def test_an_app_caller_cannot_record_a_menu_hang_up():
    app = await connect_caller("a" * 43)
    await app.send({"type": "menu.left", "seconds": 3})
    assert (await app.expect("error"))["code"] == "unknown_type"


# --- A waiting caller asks for a supervisor (key 9) ----------------------------------------------


async def test_a_waiting_phone_caller_reaches_the_supervisors_once():
    from ecoute.calls.models import Alert, AlertKind
    from ecoute.calls.supervision import board
    from ecoute.lib import clock

    await database_sync_to_async(make_psychologist)("Claire", status=Status.IN_CALL)
    phone = await phone_caller()
    await phone.send({"type": "queue.supervisor", "call_id": "3f2b8c1e-4a6d-4e8f-9b0a-1c2d3e4f5a6b"})
    assert (await phone.expect("error"))["code"] == "not_your_call"  # before it waits: nothing raised
    await phone.send({"type": "queue.join"})
    call_id = (await phone.expect("queue.joined"))["call_id"]
    await phone.send({"type": "queue.supervisor", "call_id": call_id})
    assert (await phone.expect("queue.supervisors_alerted"))["call_id"] == call_id
    alert = await database_sync_to_async(Alert.objects.get)(call_id=call_id)
    assert alert.kind == AlertKind.TRANSFER and alert.psychologist_id is None and alert.closed_at is None
    # On the board, with the waiting call a supervisor may take.
    seen = await database_sync_to_async(board.read)(clock.now())
    assert [line["call_id"] for line in seen["alerts"]] == [alert.call_id]
    assert [str(waiting["id"]) for waiting in seen["waiting"]] == [call_id]
    # Pressed again: still one alert.
    await phone.send({"type": "queue.supervisor", "call_id": call_id})
    await phone.expect("queue.supervisors_alerted")
    assert await database_sync_to_async(Alert.objects.filter(call_id=call_id).count)() == 1
    # Once it no longer waits, the key does nothing.
    await phone.send({"type": "call.hangup", "call_id": call_id})
    await phone.send({"type": "queue.supervisor", "call_id": call_id})
    assert (await phone.expect("error"))["code"] in ("not_your_call", "not_waiting")


# --- Guessing codes de suivi ----------------------------------------------------------------------


async def _try_code(code: str, source: str = HASH) -> dict:
    communicator, connected, _ = await open_phone_socket(source=source, previous=None)
    assert connected
    phone = Socket(communicator)
    await phone.send({"type": "hello", "caller_key": "p" * 43, "follow_up_code": code})
    answer = await phone.expect("follow_up", timeout=10)
    await phone.close()
    return answer


async def test_a_number_that_keyed_too_many_wrong_codes_has_its_codes_no_longer_checked(settings):
    from ecoute.lib import clock
    from ecoute.telephony import follow_up

    settings.ECOUTE_FOLLOW_UP_WRONG_PER_NUMBER = 3
    claire = await database_sync_to_async(make_psychologist)("Claire", status=Status.IN_CALL)

    def a_code():
        now = clock.now()
        call = Call.objects.create(
            channel=Channel.PHONE, state=CallState.CONNECTED, psychologist=claire,
            caller_key_hash="e" * 64, requested_at=now, answered_at=now,
        )  # fmt: skip
        return follow_up.give(call.pk, claire.pk)

    code = await database_sync_to_async(a_code)()
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(3):
        assert await _try_code(wrong) == {
            "type": "follow_up", "known": False, "psychologist_id": None, "limited": False,
        }  # fmt: skip
    # The fourth, even the right one, is not checked: the answer says so and gives nothing away.
    assert await _try_code(code) == {
        "type": "follow_up",
        "known": False,
        "psychologist_id": None,
        "limited": True,
    }
    # Another number (another hash) keying the right code still finds its psychologist.
    assert (await _try_code(code, source="c" * 64))["psychologist_id"] == claire.pk


async def test_a_burst_of_wrong_codes_from_many_numbers_alerts_the_supervisors_once_and_slows_codes(settings):
    import time

    from ecoute.calls.models import Alert, AlertKind

    settings.ECOUTE_FOLLOW_UP_WRONG_BURST = 4
    settings.ECOUTE_FOLLOW_UP_BURST_PAUSE = 1
    for number in range(5):  # five numbers, one wrong code each: no number is over its own limit
        assert (await _try_code("000000", source=f"{number:x}" * 64))["limited"] is False
    alerts = await database_sync_to_async(list)(Alert.objects.filter(kind=AlertKind.CODE_GUESSING))
    assert len(alerts) == 1 and alerts[0].call_id is None
    started = time.monotonic()
    assert (await _try_code("000000", source="a" * 64))["known"] is False
    assert time.monotonic() - started >= 1  # checked only after the burst's pause
    assert await database_sync_to_async(Alert.objects.filter(kind=AlertKind.CODE_GUESSING).count)() == 1


async def a_phone_call_answered():
    claire = await database_sync_to_async(make_psychologist)("Claire", status=Status.AVAILABLE)
    workspace = await connect_workspace(claire)
    phone = await phone_caller()
    await phone.send({"type": "queue.join"})
    call_id = (await phone.expect("queue.joined"))["call_id"]
    assert (await workspace.expect("call.ringing"))["call_id"] == call_id
    await workspace.send({"type": "call.accept", "call_id": call_id})
    await phone.expect("call.accepted")
    return workspace, phone, call_id


async def test_after_the_psychologist_hangs_up_the_phone_callers_key_is_counted_linked_to_no_call():
    workspace, phone, call_id = await a_phone_call_answered()
    await workspace.send({"type": "call.hangup", "call_id": call_id})
    ticket = (await phone.expect("call.ended"))["feedback_ticket"]
    assert "feedback_ticket" not in await workspace.expect("call.ended")

    for bad in ({"helped": "maybe"}, {"helped": "yes", "ticket": 7}, {"helped": "yes", "ticket": "short"}):
        await phone.send({"type": "feedback.give", "ticket": ticket, **bad})
        assert (await phone.expect("error"))["code"] == "bad_message"
    await phone.send({"type": "feedback.give", "ticket": "x" * 32, "helped": "yes"})  # never issued
    assert (await phone.expect("error"))["code"] == "feedback_refused"
    assert not await database_sync_to_async(FeedbackCount.objects.exists)()  # the errors counted nothing

    await phone.send({"type": "feedback.give", "ticket": ticket, "helped": "partly"})
    await phone.expect("feedback.counted")
    counted = await database_sync_to_async(lambda: list(FeedbackCount.objects.values()))()
    assert [(c["channel"], c["helped"], c["count"]) for c in counted] == [("phone", "partly", 1)]
    assert {c["month"].day for c in counted} == {1}  # the month only: nothing ties it to the call's time
    await phone.send({"type": "feedback.give", "ticket": ticket, "helped": "yes"})  # the same ticket again
    assert (await phone.expect("error"))["code"] == "feedback_refused"
    assert await database_sync_to_async(lambda: FeedbackCount.objects.get().count)() == 1


async def test_a_phone_call_cut_by_the_psychologists_lost_connection_asks_nothing():
    workspace, phone, call_id = await a_phone_call_answered()
    await workspace.communicator.disconnect()  # the workspace is gone: the call ends without a question
    ended = await phone.expect("call.ended")
    assert ended["reason"] == "psychologist_lost" and "feedback_ticket" not in ended
