"""Listener protection after a call: the wrap-up lasts until the record is saved, or until the
psychologist ends it themselves; a gentle reminder past the usual time; supervisors see long ones."""

import uuid
from datetime import timedelta

import pytest
from channels.db import database_sync_to_async
from django.utils import timezone

from ecoute.accounts.models import Role, User
from ecoute.calls import actions
from ecoute.calls.models import Call
from ecoute.calls.supervision import board as supervision_board
from ecoute.calls.timers import run_due_timers
from ecoute.contacts import actions as contacts
from ecoute.presence import actions as presence_actions
from ecoute.presence.actions import PresenceError
from ecoute.presence.models import Presence, Status
from tests.support.cast import make_psychologist
from tests.support.contacts import call_through_the_line, ensure_taxonomies, make_record
from tests.support.sockets import connect_caller, connect_workspace

pytestmark = pytest.mark.django_db


def later(seconds: float):
    return timezone.now() + timedelta(seconds=seconds)


def presence(user) -> Presence:
    return Presence.objects.get(pk=user.pk)


@pytest.fixture
def claire(settings):
    settings.ECOUTE_WRAP_UP_SECONDS, settings.ECOUTE_MIN_WRAP_UP_SECONDS = 60, 15
    ensure_taxonomies()
    claire = make_psychologist("Claire", status=Status.AVAILABLE)
    return claire


def keep_alive(user, seconds: float) -> None:
    """Her workspace goes on sending heartbeats (the timers would otherwise mark her away)."""
    Presence.objects.filter(pk=user.pk).update(last_seen=later(seconds))


def test_nobody_rings_a_psychologist_halfway_through_a_record(claire):
    call = call_through_the_line(claire)
    keep_alive(claire, 3600)
    for seconds in (61, 600, 3599):
        run_due_timers(later(seconds))
        assert presence(claire).status == Status.WRAP_UP and presence(claire).wrap_up_call_id == call.pk
    with pytest.raises(actions.PsychologistBusy):
        actions.ring_psychologist(uuid.uuid4(), claire.pk)


def test_saving_the_record_ends_the_wrap_up_not_before_its_minimum(claire):
    call = call_through_the_line(claire)
    started = presence(claire).changed_at  # timed from the hang-up, however slow the machine since
    keep_alive(claire, 3600)
    make_record(claire, call)  # within the first seconds
    assert presence(claire).status == Status.WRAP_UP and presence(claire).wrap_up_call_id is None
    run_due_timers(started + timedelta(seconds=14))
    assert presence(claire).status == Status.WRAP_UP
    run_due_timers(started + timedelta(seconds=16))
    assert presence(claire).status == Status.AVAILABLE


def test_a_record_saved_after_the_minimum_frees_the_psychologist_at_once(claire):
    call = call_through_the_line(claire)
    Presence.objects.filter(pk=claire.pk).update(wrap_up_until=timezone.now())  # the minimum is over
    make_record(claire, call)
    assert presence(claire).status == Status.AVAILABLE


def test_the_psychologist_may_end_the_wrap_up_and_the_record_waits_apart(claire):
    call = call_through_the_line(claire)
    with pytest.raises(PresenceError):
        presence_actions.choose_status(claire.pk, "test-session", Status.AVAILABLE)  # not within the minimum
    Presence.objects.filter(pk=claire.pk).update(changed_at=later(-16))
    presence_actions.choose_status(claire.pk, "test-session", Status.AVAILABLE)
    assert presence(claire).status == Status.AVAILABLE and presence(claire).wrap_up_call_id is None
    assert list(contacts.calls_to_record(claire.pk)) == [call] and contacts.pending_call(claire.pk) is None


def test_how_long_each_wrap_up_lasted_is_noted_on_its_call_for_the_rota(claire):
    """Ended by the timers once the record is saved, or by the psychologist: the call holds its length."""
    call = call_through_the_line(claire)
    started = presence(claire).changed_at
    keep_alive(claire, 3600)
    make_record(claire, call)
    assert Call.objects.get(pk=call.pk).wrap_up_seconds is None  # still within its minimum
    ended = started + timedelta(seconds=16.2)
    run_due_timers(ended)
    assert Call.objects.get(pk=call.pk).wrap_up_seconds == 16

    second = call_through_the_line(claire)
    four_minutes_ago = later(-240)  # the call ended then, and she has been on its record since
    Call.objects.filter(pk=second.pk).update(ended_at=four_minutes_ago)
    Presence.objects.filter(pk=claire.pk).update(changed_at=four_minutes_ago)
    before = timezone.now()
    presence_actions.choose_status(claire.pk, "test-session", Status.BREAK)
    after = timezone.now()
    seconds = Call.objects.get(pk=second.pk).wrap_up_seconds
    assert round((before - four_minutes_ago).total_seconds()) <= seconds
    assert seconds <= round((after - four_minutes_ago).total_seconds())
    assert Call.objects.get(pk=call.pk).wrap_up_seconds == 16  # the first call's is kept

    presence_actions.choose_status(claire.pk, "test-session", Status.AVAILABLE)
    third = call_through_the_line(claire)
    evening = later(-3 * 3600)  # a workspace left on the record for the evening
    Call.objects.filter(pk=third.pk).update(ended_at=evening)
    Presence.objects.filter(pk=claire.pk).update(changed_at=evening)
    presence_actions.choose_status(claire.pk, "test-session", Status.BREAK)
    assert Call.objects.get(pk=third.pk).wrap_up_seconds == presence_actions.WRAP_UP_NOTED_AT_MOST


def test_supervisors_see_who_is_in_a_long_wrap_up(claire):
    call_through_the_line(claire)
    karim = make_psychologist("Karim", status=Status.AVAILABLE)
    karim_call = call_through_the_line(karim)
    make_record(karim, karim_call)  # saved: his wrap-up is only its minimum
    listeners = {row["name"]: row for row in supervision_board.read(now=later(59))["listeners"]}
    assert not listeners["Claire"]["long_wrap_up"]
    listeners = {row["name"]: row for row in supervision_board.read(now=later(61))["listeners"]}
    assert listeners["Claire"]["long_wrap_up"] and not listeners["Karim"]["long_wrap_up"]


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_the_workspace_is_told_the_record_is_due_and_when_to_remind(settings):
    settings.ECOUTE_WRAP_UP_SECONDS, settings.ECOUTE_MIN_WRAP_UP_SECONDS = 60, 15
    claire = await database_sync_to_async(make_psychologist)("Claire")
    workspace = await connect_workspace(claire)
    await workspace.send({"type": "status.set", "status": "available"})
    await workspace.expect("presence.self")
    caller = await connect_caller()
    await caller.send({"type": "call.request", "psychologist_id": claire.pk})
    call_id = (await workspace.expect("call.ringing"))["call_id"]
    await workspace.send({"type": "call.accept", "call_id": call_id})
    await caller.expect("call.accepted")
    await workspace.expect("call.connected")
    await workspace.send({"type": "call.hangup", "call_id": call_id})
    while (event := await workspace.expect("presence.self"))["status"] != Status.WRAP_UP:
        pass
    since = await database_sync_to_async(lambda: presence(claire).changed_at)()
    assert event["record_due"] is True and event["wrap_up_until"] is None  # no countdown to an end
    assert event["remind_at"] == (since + timedelta(seconds=60)).isoformat()


def test_a_wrap_up_ended_by_joining_another_call_as_supervisor_is_noted_on_its_call(claire):
    """A supervisor in the wrap-up of her own call joins a colleague's: her wrap-up ends there, and
    the rota counts it as it counts a wrap-up ended any other way."""
    helene = make_psychologist("Hélène", status=Status.AVAILABLE)
    User.objects.filter(pk=helene.pk).update(role=Role.SUPERVISOR)
    her_call = call_through_the_line(helene)
    twenty_seconds_ago = later(-20)
    Call.objects.filter(pk=her_call.pk).update(ended_at=twenty_seconds_ago)
    Presence.objects.filter(pk=helene.pk).update(changed_at=twenty_seconds_ago)

    claires_call = call_through_the_line(claire, hang_up=False)
    actions.join_call(claires_call.pk, helene.pk)

    assert presence(helene).status == Status.IN_CALL
    assert Call.objects.get(pk=her_call.pk).wrap_up_seconds in (20, 21)
