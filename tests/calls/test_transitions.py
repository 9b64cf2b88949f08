"""Every move of a call and its psychologist's presence, and every move that must be refused."""

import uuid

import pytest

from ecoute.calls import actions, device_key
from ecoute.calls.actions import IllegalTransition, PsychologistBusy
from ecoute.calls.models import Call, CallState, EndReason, Ring, RingOutcome
from ecoute.presence.models import Presence, Status
from tests.support.cast import make_psychologist

pytestmark = pytest.mark.django_db

KEY = "k" * 43


def status_of(user) -> str:
    return Presence.objects.get(pk=user.pk).status


def ringing_call(psychologist, caller_key=KEY) -> Call:
    return actions.ring_psychologist(uuid.uuid4(), psychologist.pk, caller_key)


def connected_call(psychologist) -> Call:
    call = ringing_call(psychologist)
    return actions.accept(call.pk, psychologist.pk)


def assert_unchanged(call: Call, psychologist, state: str, presence: str) -> None:
    call.refresh_from_db()
    assert call.state == state
    assert status_of(psychologist) == presence


def test_tap_rings_an_available_psychologist():
    claire = make_psychologist(status=Status.AVAILABLE)
    call = ringing_call(claire)
    assert call.state == CallState.RINGING and call.psychologist == claire
    assert call.requested_at and call.ringing_at and not call.answered_at
    assert call.caller_key_hash == device_key.hashed(KEY) != KEY
    assert Ring.objects.get(call=call).outcome == RingOutcome.RINGING
    assert status_of(claire) == Status.RINGING


@pytest.mark.parametrize(
    "status", [Status.OFFLINE, Status.BREAK, Status.RINGING, Status.IN_CALL, Status.WRAP_UP]
)
def test_tap_on_a_psychologist_who_is_not_available_is_busy_and_stores_nothing(status):
    claire = make_psychologist(status=status)
    with pytest.raises(PsychologistBusy):
        ringing_call(claire)
    assert not Call.objects.exists()
    assert status_of(claire) == status


def test_accept_connects_the_call():
    claire = make_psychologist(status=Status.AVAILABLE)
    call = connected_call(claire)
    assert call.state == CallState.CONNECTED and call.answered_at >= call.ringing_at
    assert Ring.objects.get(call=call).outcome == RingOutcome.ACCEPTED
    assert status_of(claire) == Status.IN_CALL


def test_replayed_accept_is_refused_and_changes_nothing():
    claire = make_psychologist(status=Status.AVAILABLE)
    call = connected_call(claire)
    answered_at = call.answered_at
    with pytest.raises(IllegalTransition, match="En communication"):
        actions.accept(call.pk, claire.pk)
    assert_unchanged(call, claire, CallState.CONNECTED, Status.IN_CALL)
    assert call.answered_at == answered_at


def test_another_psychologist_cannot_accept_someone_elses_call():
    claire, karim = (
        make_psychologist(status=Status.AVAILABLE),
        make_psychologist("Karim", status=Status.AVAILABLE),
    )
    call = ringing_call(claire)
    with pytest.raises(IllegalTransition):
        actions.accept(call.pk, karim.pk)
    assert_unchanged(call, claire, CallState.RINGING, Status.RINGING)
    assert status_of(karim) == Status.AVAILABLE


def test_decline_gives_the_call_back_to_the_caller_and_the_psychologist_stays_available():
    claire = make_psychologist(status=Status.AVAILABLE)
    call = ringing_call(claire)
    actions.decline(call.pk, claire.pk)
    assert_unchanged(call, claire, CallState.REQUESTED, Status.AVAILABLE)
    assert call.psychologist is None
    assert Ring.objects.get(call=call).outcome == RingOutcome.DECLINED


def test_missed_call_goes_back_to_the_caller_and_the_psychologist_is_put_on_break():
    claire = make_psychologist(status=Status.AVAILABLE)
    call = ringing_call(claire)
    actions.miss(call.pk, claire.pk)
    assert_unchanged(call, claire, CallState.REQUESTED, Status.BREAK)
    assert Ring.objects.get(call=call).outcome == RingOutcome.MISSED


def test_a_declined_call_can_ring_the_next_psychologist_and_keeps_its_first_timestamps():
    claire, karim = (
        make_psychologist(status=Status.AVAILABLE),
        make_psychologist("Karim", status=Status.AVAILABLE),
    )
    call = ringing_call(claire)
    first_ring = call.ringing_at
    actions.decline(call.pk, claire.pk)
    rerouted = actions.ring_psychologist(call.pk, karim.pk, KEY)
    assert rerouted.state == CallState.RINGING and rerouted.psychologist == karim
    assert rerouted.ringing_at == first_ring and rerouted.requested_at == call.requested_at
    assert [r.outcome for r in Ring.objects.filter(call=call)] == [RingOutcome.DECLINED, RingOutcome.RINGING]


def test_a_ringing_call_cannot_ring_a_second_psychologist():
    claire, karim = (
        make_psychologist(status=Status.AVAILABLE),
        make_psychologist("Karim", status=Status.AVAILABLE),
    )
    call = ringing_call(claire)
    with pytest.raises(IllegalTransition):
        actions.ring_psychologist(call.pk, karim.pk, KEY)
    assert status_of(karim) == Status.AVAILABLE  # the claim was rolled back with the refusal
    assert_unchanged(call, claire, CallState.RINGING, Status.RINGING)


def test_caller_leaving_while_it_rings_abandons_the_call_and_frees_the_psychologist():
    claire = make_psychologist(status=Status.AVAILABLE)
    call = ringing_call(claire)
    assert actions.caller_leaves(call.pk) == CallState.ABANDONED
    assert_unchanged(call, claire, CallState.ABANDONED, Status.AVAILABLE)
    assert call.end_reason == EndReason.CALLER_LEFT and call.ended_at
    assert Ring.objects.get(call=call).outcome == RingOutcome.CANCELLED


def test_caller_leaving_after_a_decline_abandons_the_call():
    claire = make_psychologist(status=Status.AVAILABLE)
    call = ringing_call(claire)
    actions.decline(call.pk, claire.pk)
    assert actions.caller_leaves(call.pk) == CallState.ABANDONED
    assert_unchanged(call, claire, CallState.ABANDONED, Status.AVAILABLE)


def test_caller_hanging_up_ends_the_call_and_starts_the_wrap_up():
    claire = make_psychologist(status=Status.AVAILABLE)
    call = connected_call(claire)
    assert actions.caller_leaves(call.pk) == CallState.ENDED
    assert_unchanged(call, claire, CallState.ENDED, Status.WRAP_UP)
    assert call.end_reason == EndReason.CALLER_HUNG_UP
    assert call.requested_at <= call.ringing_at <= call.answered_at <= call.ended_at
    assert Presence.objects.get(pk=claire.pk).wrap_up_until > call.ended_at


def test_psychologist_hanging_up_ends_the_call():
    claire = make_psychologist(status=Status.AVAILABLE)
    call = connected_call(claire)
    actions.psychologist_hangs_up(call.pk, claire.pk)
    assert_unchanged(call, claire, CallState.ENDED, Status.WRAP_UP)
    assert call.end_reason == EndReason.PSYCHOLOGIST_HUNG_UP


def test_without_wrap_up_the_psychologist_is_available_at_once(settings):
    settings.ECOUTE_WRAP_UP_SECONDS = 0
    claire = make_psychologist(status=Status.AVAILABLE)
    call = connected_call(claire)
    actions.psychologist_hangs_up(call.pk, claire.pk)
    assert status_of(claire) == Status.AVAILABLE


@pytest.mark.parametrize("action", ["accept", "decline", "miss"])
def test_ring_answers_on_an_ended_call_are_refused(action):
    claire = make_psychologist(status=Status.AVAILABLE)
    call = connected_call(claire)
    actions.psychologist_hangs_up(call.pk, claire.pk)
    with pytest.raises(IllegalTransition):
        getattr(actions, action)(call.pk, claire.pk)
    assert_unchanged(call, claire, CallState.ENDED, Status.WRAP_UP)


@pytest.mark.parametrize("action", ["decline", "miss"])
def test_declining_or_missing_a_connected_call_is_refused(action):
    claire = make_psychologist(status=Status.AVAILABLE)
    call = connected_call(claire)
    with pytest.raises(IllegalTransition):
        getattr(actions, action)(call.pk, claire.pk)
    assert_unchanged(call, claire, CallState.CONNECTED, Status.IN_CALL)


def test_hanging_up_twice_is_refused():
    claire = make_psychologist(status=Status.AVAILABLE)
    call = connected_call(claire)
    actions.psychologist_hangs_up(call.pk, claire.pk)
    with pytest.raises(IllegalTransition):
        actions.psychologist_hangs_up(call.pk, claire.pk)
    with pytest.raises(IllegalTransition):
        actions.caller_leaves(call.pk)
    assert_unchanged(call, claire, CallState.ENDED, Status.WRAP_UP)


def test_a_psychologist_cannot_hang_up_a_call_that_is_not_theirs():
    claire, karim = (
        make_psychologist(status=Status.AVAILABLE),
        make_psychologist("Karim", status=Status.AVAILABLE),
    )
    call = connected_call(claire)
    with pytest.raises(IllegalTransition):
        actions.psychologist_hangs_up(call.pk, karim.pk)
    assert_unchanged(call, claire, CallState.CONNECTED, Status.IN_CALL)


def test_actions_on_an_unknown_call_are_refused():
    claire = make_psychologist(status=Status.AVAILABLE)
    with pytest.raises(IllegalTransition, match="n'existe pas"):
        actions.accept(uuid.uuid4(), claire.pk)
    assert status_of(claire) == Status.AVAILABLE


def test_abandoned_call_cannot_be_connected_or_rung_again():
    claire = make_psychologist(status=Status.AVAILABLE)
    call = ringing_call(claire)
    actions.caller_leaves(call.pk)
    with pytest.raises(IllegalTransition):
        actions.accept(call.pk, claire.pk)
    with pytest.raises(IllegalTransition):
        actions.ring_psychologist(call.pk, claire.pk, KEY)
    assert_unchanged(call, claire, CallState.ABANDONED, Status.AVAILABLE)


def test_the_transition_table_is_the_one_documented():
    assert actions.TRANSITIONS == {
        CallState.RINGING: (CallState.REQUESTED,),
        CallState.CONNECTED: (CallState.RINGING,),
        CallState.REQUESTED: (CallState.RINGING,),
        CallState.ENDED: (CallState.CONNECTED,),
        CallState.ABANDONED: (CallState.REQUESTED, CallState.RINGING),
    }


def test_events_leave_only_after_commit(django_capture_on_commit_callbacks):
    claire = make_psychologist(status=Status.AVAILABLE)
    with django_capture_on_commit_callbacks() as callbacks:
        ringing_call(claire)
    # The events of a transaction leave together after commit (ecoute/lib/realtime.py batches them).
    groups = {group for callback in callbacks for group, _ in callback.messages}
    assert {"board", f"staff.{claire.pk}"} <= groups and any(group.startswith("call.") for group in groups)


def test_the_events_of_a_rolled_back_savepoint_never_leave(django_capture_on_commit_callbacks):
    from django.db import transaction

    from ecoute.lib.realtime import send_after_commit

    with django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
        send_after_commit("kept", {"type": "x"})
        try:
            with transaction.atomic():
                send_after_commit("dropped", {"type": "x"})
                raise ValueError
        except ValueError:
            pass
        send_after_commit("kept-too", {"type": "x"})
    assert [group for callback in callbacks for group, _ in callback.messages] == ["kept", "kept-too"]


def test_no_event_leaves_when_the_action_is_refused(django_capture_on_commit_callbacks):
    claire = make_psychologist(status=Status.BREAK)
    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(PsychologistBusy):
        ringing_call(claire)
    assert callbacks == []


def _statements_of(action) -> list[str]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        action()
    return [query["sql"] for query in captured.captured_queries]


def test_a_new_call_rings_without_being_looked_for_first():
    """The tap → ring path: the caller's socket made the call's id, so no SELECT and no savepoint
    before its INSERT (three of the tap's round trips on a machine whose cores are busy)."""
    claire = make_psychologist("Claire", status=Status.AVAILABLE)
    karim = make_psychologist("Karim", status=Status.AVAILABLE)
    looked_for = _statements_of(lambda: actions.ring_psychologist(uuid.uuid4(), claire.pk, KEY))
    new_id = uuid.uuid4()
    new = _statements_of(lambda: actions.ring_psychologist(new_id, karim.pk, KEY, new=True))
    assert len(new) == len(looked_for) - 3
    assert sum("SAVEPOINT" in sql for sql in new) == sum("SAVEPOINT" in sql for sql in looked_for) - 2
    call = Call.objects.get(pk=new_id)
    assert call.state == CallState.RINGING and call.psychologist == karim
    assert call.caller_key_hash == device_key.hashed(KEY)
    assert Ring.objects.filter(call=call, psychologist=karim, outcome=RingOutcome.RINGING).exists()


def test_one_psychologists_presence_moves_without_a_savepoint():
    from ecoute.presence import actions as presence

    claire = make_psychologist(status=Status.AVAILABLE)
    moved = _statements_of(lambda: presence.move(claire.pk, [Status.AVAILABLE], Status.BREAK))
    assert not any("SAVEPOINT" in sql for sql in moved)
    assert status_of(claire) == Status.BREAK
    # Not from a status it is not in: nothing changes and nothing is announced (the UPDATE alone).
    refused = []
    statements = _statements_of(
        lambda: refused.append(presence.move(claire.pk, [Status.AVAILABLE], Status.RINGING))
    )
    assert refused == [False] and len(statements) == 1 and statements[0].startswith("UPDATE")
    assert status_of(claire) == Status.BREAK


def test_a_new_call_to_a_busy_psychologist_leaves_no_call_behind():
    claire = make_psychologist(status=Status.IN_CALL)
    new_id = uuid.uuid4()
    with pytest.raises(PsychologistBusy):
        actions.ring_psychologist(new_id, claire.pk, KEY, new=True)
    assert not Call.objects.filter(pk=new_id).exists()
    assert status_of(claire) == Status.IN_CALL
