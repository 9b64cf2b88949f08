"""Supervisors: today's figures from a scripted day, alerts at once, escalations, taking calls; listener protection."""

import uuid
from datetime import datetime, timedelta

import pytest
from channels.db import database_sync_to_async
from django.utils import timezone

from ecoute.accounts.models import Role
from ecoute.calls import actions
from ecoute.calls.models import Alert, AlertKind, Call, Channel
from ecoute.calls.supervision import board as supervision_board
from ecoute.lib import clock
from ecoute.presence.models import Presence, Status
from tests.support.cast import make_outsider, make_psychologist
from tests.support.contacts import make_staff
from tests.support.sockets import connect, connect_caller, connect_workspace
from tests.support.twofactor import log_in

pytestmark = pytest.mark.django_db


def at(base: datetime, seconds: float):
    return clock.using(lambda: base + timedelta(seconds=seconds))


def test_the_boards_figures_match_a_scripted_day(settings):
    """Six calls with known times: every figure computed by hand."""
    settings.ECOUTE_WRAP_UP_SECONDS = 0
    base = timezone.localtime().replace(hour=10, minute=0, second=0, microsecond=0)
    team = [make_psychologist(name, Status.AVAILABLE) for name in ("Claire", "Karim", "Sofia", "Thomas")]

    def answered(arrive: float, answer: float, end: float, who) -> None:
        with at(base, arrive):
            call = actions.enqueue(uuid.uuid4())
        Presence.objects.filter(pk=who.pk).update(status=Status.AVAILABLE)
        with at(base, answer - 1):
            actions.offer([(call, who.pk)])
        with at(base, answer):
            actions.accept(call.pk, who.pk)
        with at(base, end):
            actions.psychologist_hangs_up(call.pk, who.pk)

    def abandoned(arrive: float, leave: float) -> None:
        with at(base, arrive):
            call = actions.enqueue(uuid.uuid4())
        with at(base, leave):
            actions.caller_leaves(call.pk)

    answered(0, 5, 600, team[0])  # waited 5 s
    answered(10, 40, 900, team[1])  # waited 30 s (beyond 20 s)
    answered(20, 30, 300, team[2])  # waited 10 s
    answered(100, 120, 700, team[3])  # waited 20 s (within 20 s: "within" includes 20)
    abandoned(200, 245)  # gave up after 45 s
    with at(base, 300):
        actions.enqueue(uuid.uuid4())  # still waiting at 11:00 → 3,300 s

    figures = supervision_board.today_figures(base + timedelta(hours=1))
    assert figures == {
        "offered": 6,
        "answered": 4,
        "abandoned": 1,
        "abandoned_in_menu": 0,
        "answer_rate": 80.0,  # 4 of the 5 calls that are over
        "average_speed": 16.2,  # (5 + 30 + 10 + 20) / 4 = 16.25 → 16.2 (banker's rounding)
        "longest_wait": 3300,  # the call still waiting
        "service_level": 60.0,  # 3 of 5 answered within 20 s
        "service_level_seconds": 20,
        "abuse": 0,
    }
    yesterday = supervision_board.today_figures(base - timedelta(days=1))
    assert yesterday["offered"] == 0 and yesterday["answer_rate"] is None


def test_the_board_page_needs_a_supervisor_with_the_second_factor(client):
    supervisor = make_staff(Role.SUPERVISOR, "Hélène")
    client.force_login(supervisor)
    assert client.get("/supervision/").status_code == 302  # password alone: back to the login
    log_in(client, supervisor)
    make_psychologist("Claire", Status.AVAILABLE)
    call = actions.enqueue(uuid.uuid4())
    actions.mark_urgent(call.pk)
    actions.enqueue(uuid.uuid4(), channel=Channel.PHONE)
    page = client.get("/supervision/").content.decode()
    assert "Appelant en danger dans la file" in page and "Urgente" in page and "Claire" in page
    assert page.count('<span class="small">téléphone</span>') == 1
    assert client.get("/supervision/tableau/").status_code == 200
    for user in (make_psychologist("Karim"), make_outsider(), make_staff(Role.STATISTICIAN)):
        log_in(client, user)
        assert client.get("/supervision/").status_code == 403
        assert client.get("/supervision/tableau/").status_code == 403


def test_the_board_says_which_calls_come_from_the_phone_line():
    actions.enqueue(uuid.uuid4())
    phone = actions.enqueue(uuid.uuid4(), channel=Channel.PHONE)
    waiting = {row["id"]: row["phone"] for row in supervision_board.read()["waiting"]}
    assert waiting[phone.pk] is True and list(waiting.values()).count(False) == 1


def test_after_a_high_risk_call_a_debrief_is_prompted_and_the_cap_brings_a_break(settings):
    (
        settings.ECOUTE_CONSECUTIVE_CALLS_CAP,
        settings.ECOUTE_CAP_BREAK_SECONDS,
        settings.ECOUTE_WRAP_UP_SECONDS,
    ) = 2, 300, 60
    claire = make_psychologist("Claire", Status.AVAILABLE)
    first = actions.ring_psychologist(uuid.uuid4(), claire.pk)
    actions.accept(first.pk, claire.pk)
    actions.flag_emergency(first.pk, claire.pk, "Idées suicidaires avec un plan.")
    actions.psychologist_hangs_up(first.pk, claire.pk)
    presence = Presence.objects.get(pk=claire.pk)
    assert presence.debrief_due and presence.wrap_up_until - timezone.now() < timedelta(seconds=61)
    alert = Alert.objects.get(kind=AlertKind.EMERGENCY)
    assert (
        alert.reason.open() == "Idées suicidaires avec un plan."
        and alert.psychologist == claire
        and alert.call_id == first.pk
    )
    actions.request_debrief(claire.pk)
    assert (
        not Presence.objects.get(pk=claire.pk).debrief_due
        and Alert.objects.filter(kind=AlertKind.DEBRIEF).exists()
    )

    Presence.objects.filter(pk=claire.pk).update(status=Status.AVAILABLE)
    second = actions.ring_psychologist(uuid.uuid4(), claire.pk)
    actions.accept(second.pk, claire.pk)
    actions.psychologist_hangs_up(second.pk, claire.pk)
    presence = Presence.objects.get(pk=claire.pk)
    assert presence.wrap_up_until - timezone.now() > timedelta(
        seconds=290
    )  # the second call in a row: a break
    assert presence.consecutive_calls == 0


def test_an_emergency_without_a_reason_or_outside_the_call_is_refused():
    claire = make_psychologist("Claire", Status.AVAILABLE)
    call = actions.ring_psychologist(uuid.uuid4(), claire.pk)
    with pytest.raises(actions.CallError):
        actions.flag_emergency(call.pk, claire.pk, "danger")  # still ringing: not in the call
    actions.accept(call.pk, claire.pk)
    with pytest.raises(actions.CallError):
        actions.flag_emergency(call.pk, claire.pk, "   ")
    assert not Alert.objects.exists() and not Call.objects.get(pk=call.pk).high_risk


# --- Over the websockets ------------------------------------------------------------------------


async def supervisor_socket(supervisor):
    return await connect("/ws/supervision/", supervisor)


@pytest.mark.django_db(transaction=True)
async def test_supervisors_are_alerted_at_once_when_a_caller_says_they_are_in_danger():
    supervisor = await database_sync_to_async(make_staff)(Role.SUPERVISOR, "Hélène")
    board = await supervisor_socket(supervisor)
    caller = await connect_caller()
    await caller.send({"type": "queue.join"})
    call_id = (await caller.expect("queue.joined"))["call_id"]
    await caller.send({"type": "queue.urgent", "call_id": call_id})
    alert = await board.expect("alert", timeout=2)
    assert alert["kind"] == "danger"
    await board.send({"type": "alert.take", "alert_id": alert["alert_id"]})
    await board.expect("alert.closed")
    taken = await database_sync_to_async(Alert.objects.get)(pk=alert["alert_id"])
    assert taken.taken_by_id == supervisor.pk and taken.closed_at
    await board.send({"type": "alert.take", "alert_id": alert["alert_id"]})  # taken twice
    assert (await board.expect("error"))["code"] == "alert_error"


@pytest.mark.django_db(transaction=True)
async def test_a_supervisor_takes_a_waiting_call_in_their_workspace():
    supervisor = await database_sync_to_async(make_psychologist)("Hélène")
    await database_sync_to_async(
        lambda: type(supervisor).objects.filter(pk=supervisor.pk).update(role=Role.SUPERVISOR)
    )()
    await database_sync_to_async(
        lambda: Presence.objects.filter(pk=supervisor.pk).update(session="")
    )()  # no workspace open
    supervisor.role = Role.SUPERVISOR
    board = await supervisor_socket(supervisor)
    caller = await connect_caller()
    await caller.send({"type": "queue.join"})
    call_id = (await caller.expect("queue.joined"))["call_id"]
    await board.send({"type": "call.take", "call_id": call_id})
    assert (await board.expect("error"))["code"] == "workspace_needed"  # no workspace open yet
    workspace = await connect_workspace(supervisor)  # on break or offline: taking a call still rings here
    await board.send({"type": "call.take", "call_id": call_id})
    await board.expect("call.taken")
    assert (await workspace.expect("call.ringing"))["call_id"] == call_id
    assert (await caller.expect("call.ringing"))["psychologist_id"] == supervisor.pk


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "message, code",
    [
        ({"type": "alert.take", "alert_id": "1"}, "bad_message"),
        ({"type": "alert.take", "alert_id": 424242}, "alert_error"),
        ({"type": "call.take", "call_id": "nope"}, "bad_message"),
        ({"type": "call.take", "call_id": str(uuid.UUID(int=7))}, "illegal_transition"),
        ({"type": "call.take"}, "bad_message"),
        ({"type": "presence"}, "unknown_type"),
    ],
)
async def test_bad_supervision_messages_get_an_error_and_change_nothing(message, code):
    supervisor = await database_sync_to_async(make_staff)(Role.SUPERVISOR, "Hélène")
    board = await supervisor_socket(supervisor)
    await board.send(message)
    assert (await board.expect("error"))["code"] == code
    assert await database_sync_to_async(Alert.objects.count)() == 0


@pytest.mark.django_db(transaction=True)
async def test_only_supervisors_open_the_supervision_socket():
    from channels.testing import WebsocketCommunicator

    from ecoute.asgi import application
    from tests.support.sockets import ORIGIN, _session_cookie

    for user in (await database_sync_to_async(make_psychologist)("Claire"), None):
        headers = [ORIGIN]
        if user:
            headers.append(
                (b"cookie", f"sessionid={await database_sync_to_async(_session_cookie)(user)}".encode())
            )
        communicator = WebsocketCommunicator(application, "/ws/supervision/", headers=headers)
        connected, code = await communicator.connect(timeout=5)
        assert not connected or (await communicator.receive_output(2))["type"] == "websocket.close"


@pytest.mark.django_db(transaction=True)
async def test_escalations_from_the_workspace_and_their_bad_forms():
    claire = await database_sync_to_async(make_psychologist)("Claire", status=Status.AVAILABLE)
    supervisor = await database_sync_to_async(make_staff)(Role.SUPERVISOR, "Hélène")
    board = await supervisor_socket(supervisor)
    workspace = await connect_workspace(claire)
    caller = await connect_caller()
    await caller.send({"type": "call.request", "psychologist_id": claire.pk})
    call_id = (await workspace.expect("call.ringing"))["call_id"]
    await workspace.send({"type": "call.escalate", "call_id": call_id, "kind": "help"})
    assert (await workspace.expect("error"))["code"] == "not_your_call"  # not answered yet
    await workspace.send({"type": "call.accept", "call_id": call_id})
    await workspace.expect("call.connected")
    for bad, code in [
        ({"kind": "coffee"}, "bad_message"),
        ({"kind": "help", "reason": 3}, "bad_message"),
        ({"kind": "help", "reason": "x" * 501}, "bad_message"),
    ]:
        await workspace.send({"type": "call.escalate", "call_id": call_id, **bad})
        assert (await workspace.expect("error"))["code"] == code
    await workspace.send({"type": "call.emergency", "call_id": call_id, "reason": ""})
    assert (await workspace.expect("error"))["code"] == "reason_required"
    assert await database_sync_to_async(Alert.objects.count)() == 0

    for kind in ("help", "transfer", "callback"):
        await workspace.send({"type": "call.escalate", "call_id": call_id, "kind": kind})
        assert (await workspace.expect("escalation.sent"))["kind"] == kind
        assert (await board.expect("alert"))["kind"] == kind
    await workspace.send(
        {"type": "call.emergency", "call_id": call_id, "reason": "Met sa vie en danger ce soir."}
    )
    await workspace.expect("emergency.flagged")
    assert (await board.expect("alert"))["kind"] == "emergency"
    assert (await database_sync_to_async(Call.objects.get)(pk=call_id)).high_risk
