"""The router's rules (ecoute/calls/router.py, the queue's order in ecoute/calls/queue.py), one test per rule, through the real actions."""

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from ecoute.accounts.models import Language
from ecoute.calls import actions, place, queries, queue, router
from ecoute.calls.actions import IllegalTransition
from ecoute.calls.models import Alert, AlertKind, Call, CallState, Priority, Ring, RingOutcome
from ecoute.calls.timers import run_due_timers
from ecoute.lib import clock
from ecoute.presence.models import Presence, Status
from tests.support.cast import make_psychologist

pytestmark = pytest.mark.django_db


def waiting(language=None, preferred=None, caller_key="") -> Call:
    language_id = Language.objects.get(code=language).pk if language else None
    return actions.enqueue(uuid.uuid4(), caller_key, language_id, preferred.pk if preferred else None)


def idle_since(user, seconds_ago: int) -> None:
    Presence.objects.filter(pk=user.pk).update(changed_at=timezone.now() - timedelta(seconds=seconds_ago))


def state(call) -> tuple:
    call.refresh_from_db()
    return call.state, call.psychologist_id


def test_a_waiting_call_rings_the_listener_idle_the_longest():
    claire, karim = (
        make_psychologist("Claire", Status.AVAILABLE),
        make_psychologist("Karim", Status.AVAILABLE),
    )
    idle_since(claire, 10)
    idle_since(karim, 300)
    call = waiting()
    assert router.route_waiting() == 1
    assert state(call) == (CallState.RINGING, karim.pk)
    assert Presence.objects.get(pk=karim.pk).status == Status.RINGING


def test_priority_first_then_first_come_first_served():
    first, second = waiting(), waiting()
    urgent = waiting()
    actions.mark_urgent(urgent.pk)
    assert [c.pk for c in queue.waiting_calls()] == [urgent.pk, first.pk, second.pk]
    assert [place.position(Call.objects.get(pk=c.pk)) for c in (urgent, first, second)] == [1, 2, 3]
    claire = make_psychologist("Claire", Status.AVAILABLE)
    router.route_waiting()
    assert state(urgent) == (CallState.RINGING, claire.pk)
    assert Call.objects.get(pk=urgent.pk).priority == Priority.URGENT
    assert Alert.objects.filter(kind=AlertKind.DANGER, call=urgent).exists()  # supervisors alerted at once


def test_a_language_is_honoured_then_anyone_after_the_fallback(settings):
    settings.ECOUTE_LANGUAGE_FALLBACK_SECONDS = 60
    claire = make_psychologist("Claire", Status.AVAILABLE, languages=("fr",))
    call = waiting(language=None)
    Language.objects.get_or_create(code="ar", defaults={"name": "arabe"})
    arabic = waiting(language="ar")
    router.route_waiting()
    assert state(call) == (CallState.RINGING, claire.pk)
    karim = make_psychologist("Karim", Status.AVAILABLE, languages=("fr",))
    router.route_waiting()
    assert state(arabic) == (CallState.REQUESTED, None)  # nobody speaks Arabic yet
    with clock.using(lambda: timezone.now() + timedelta(seconds=61)):
        assert router.route_waiting() == 1
    assert state(arabic) == (CallState.RINGING, karim.pk)


def test_a_speaker_of_the_language_is_preferred_over_a_longer_idle_one():
    claire = make_psychologist("Claire", Status.AVAILABLE, languages=("fr",))
    nadia = make_psychologist("Nadia", Status.AVAILABLE, languages=("fr", "ar"))
    idle_since(claire, 600)
    call = waiting(language="ar")
    router.route_waiting()
    assert state(call) == (CallState.RINGING, nadia.pk)


def test_a_returning_caller_waits_for_their_own_psychologist_until_they_choose_anyone():
    claire = make_psychologist("Claire", Status.IN_CALL)
    karim = make_psychologist("Karim", Status.AVAILABLE)
    call = waiting(preferred=claire)
    router.route_waiting()
    assert state(call) == (CallState.REQUESTED, None)  # Karim is free, but the caller waits for Claire
    actions.anyone_now(call.pk)
    router.route_waiting()
    assert state(call) == (CallState.RINGING, karim.pk)


def test_a_declined_call_keeps_its_place_and_goes_to_the_next_listener():
    claire, karim = (
        make_psychologist("Claire", Status.AVAILABLE),
        make_psychologist("Karim", Status.AVAILABLE),
    )
    idle_since(claire, 100)
    call, later_call = waiting(), waiting()
    router.route_waiting()
    assert state(call) == (CallState.RINGING, claire.pk)
    assert state(later_call) == (CallState.RINGING, karim.pk)
    actions.decline(call.pk, claire.pk)
    router.route_waiting()
    assert state(call) == (CallState.REQUESTED, None)  # not offered again to Claire, who said no
    actions.decline(later_call.pk, karim.pk)
    router.route_waiting()
    assert state(call) == (CallState.RINGING, karim.pk)  # first in the queue still
    assert state(later_call) == (CallState.RINGING, claire.pk)


def test_a_missed_ring_puts_the_listener_on_break_alerts_supervisors_and_rings_the_next(settings):
    claire, karim = (
        make_psychologist("Claire", Status.AVAILABLE),
        make_psychologist("Karim", Status.AVAILABLE),
    )
    idle_since(claire, 100)
    call = waiting()
    router.route_waiting()
    assert state(call) == (CallState.RINGING, claire.pk)
    Presence.objects.update(last_seen=timezone.now() + timedelta(seconds=60))  # both windows alive
    Call.objects.filter(pk=call.pk).update(caller_seen_at=timezone.now() + timedelta(seconds=60))
    run_due_timers(timezone.now() + timedelta(seconds=settings.ECOUTE_RING_TIMEOUT + 1))
    assert Presence.objects.get(pk=claire.pk).status == Status.BREAK
    assert Alert.objects.filter(kind=AlertKind.MISSED_RING, psychologist=claire).exists()
    assert state(call) == (CallState.RINGING, karim.pk)
    assert list(Ring.objects.filter(call=call).values_list("outcome", flat=True)) == [
        RingOutcome.MISSED,
        RingOutcome.RINGING,
    ]


def test_a_waiting_caller_whose_app_went_silent_is_abandoned(settings):
    call = waiting()
    run_due_timers(timezone.now() + timedelta(seconds=settings.ECOUTE_CALLER_TIMEOUT - 5))
    assert state(call)[0] == CallState.REQUESTED
    run_due_timers(timezone.now() + timedelta(seconds=settings.ECOUTE_CALLER_TIMEOUT + 1))
    call.refresh_from_db()
    assert call.state == CallState.ABANDONED and call.end_reason == "caller_lost"


def test_a_long_wait_and_too_few_listeners_alert_supervisors_once(settings):
    settings.ECOUTE_LONG_WAIT_ALERT_SECONDS, settings.ECOUTE_MIN_AVAILABLE = 30, 1
    call = waiting()
    Call.objects.filter(pk=call.pk).update(caller_seen_at=timezone.now() + timedelta(seconds=60))
    for _ in range(3):
        run_due_timers(timezone.now() + timedelta(seconds=31))
    assert Alert.objects.filter(kind=AlertKind.LONG_WAIT, call=call, closed_at__isnull=True).count() == 1
    assert Alert.objects.filter(kind=AlertKind.LOW_STAFF, closed_at__isnull=True).count() == 1
    make_psychologist("Claire", Status.AVAILABLE)
    make_psychologist("Karim", Status.AVAILABLE)
    Presence.objects.update(last_seen=timezone.now() + timedelta(seconds=60))  # their windows are alive
    run_due_timers(timezone.now() + timedelta(seconds=32))  # Claire takes the call, Karim stays available
    assert not Alert.objects.filter(
        closed_at__isnull=True, kind__in=[AlertKind.LONG_WAIT, AlertKind.LOW_STAFF]
    ).exists()


def test_the_estimate_shares_the_calls_ahead_among_the_listeners_on_duty(settings):
    settings.ECOUTE_DEFAULT_HANDLE_SECONDS, settings.ECOUTE_WRAP_UP_SECONDS = 600, 0
    make_psychologist("Claire", Status.IN_CALL)
    make_psychologist("Karim", Status.IN_CALL)
    calls = [waiting() for _ in range(3)]
    third = Call.objects.get(pk=calls[2].pk)
    assert place.position(third) == 3
    assert place.WaitEstimate()(third, 3) == 900  # 3 calls × 10 min / 2 listeners
    Presence.objects.update(status=Status.OFFLINE)
    assert place.WaitEstimate()(third, 3) is None  # nobody on duty: no made-up figure


def test_a_tapped_call_cannot_be_offered_and_a_queued_call_cannot_be_tapped():
    claire = make_psychologist("Claire", Status.AVAILABLE)
    queued = waiting()
    with pytest.raises(IllegalTransition):
        actions.ring_psychologist(queued.pk, claire.pk)
    tapped_id = uuid.uuid4()
    karim = make_psychologist("Karim", Status.AVAILABLE)
    actions.ring_psychologist(tapped_id, karim.pk)
    with pytest.raises(IllegalTransition):
        actions.offer([(Call.objects.get(pk=tapped_id), claire.pk)])


def test_an_unanswered_tapped_call_may_join_the_queue_and_keeps_its_start_time():
    claire = make_psychologist("Claire", Status.AVAILABLE)
    call = actions.ring_psychologist(uuid.uuid4(), claire.pk)
    actions.decline(call.pk, claire.pk)
    joined = actions.enqueue(call.pk)
    assert joined.queued_at and joined.requested_at == call.requested_at
    with pytest.raises(IllegalTransition):
        actions.enqueue(call.pk)  # already queued


def test_one_pass_rings_every_free_listener_for_the_calls_in_queue_order():
    team = [make_psychologist(f"P{n}", Status.AVAILABLE) for n in range(3)]
    for n, listener in enumerate(team):
        idle_since(listener, 100 - n)  # P0 idle the longest
    calls = [waiting() for _ in range(5)]
    assert router.route_waiting() == 3
    assert [state(call) for call in calls] == [
        (CallState.RINGING, team[0].pk),
        (CallState.RINGING, team[1].pk),
        (CallState.RINGING, team[2].pk),
        (CallState.REQUESTED, None),
        (CallState.REQUESTED, None),
    ]
    assert Ring.objects.filter(outcome=RingOutcome.RINGING).count() == 3
    assert place.position(Call.objects.get(pk=calls[3].pk)) == 1


def test_an_offer_rings_all_its_pairs_or_none():
    claire, karim = make_psychologist("Claire", Status.AVAILABLE), make_psychologist("Karim", Status.IN_CALL)
    first, second = waiting(), waiting()
    with pytest.raises(actions.PsychologistBusy):
        actions.offer(
            [(first, claire.pk), (second, karim.pk)]
        )  # Karim is not free: Claire must not ring either
    assert (state(first), state(second)) == ((CallState.REQUESTED, None), (CallState.REQUESTED, None))
    assert Presence.objects.get(pk=claire.pk).status == Status.AVAILABLE and not Ring.objects.exists()
    Presence.objects.filter(pk=karim.pk).update(status=Status.AVAILABLE)
    actions.caller_leaves(second.pk)
    with pytest.raises(IllegalTransition):
        actions.offer([(first, claire.pk), (second, karim.pk)])  # the second caller left meanwhile
    assert state(first) == (CallState.REQUESTED, None) and not Ring.objects.exists()
    assert set(Presence.objects.values_list("status", flat=True)) == {Status.AVAILABLE}


def test_every_waiting_callers_place_is_read_in_a_fixed_number_of_queries(django_assert_max_num_queries):
    few = [actions.enqueue(uuid.uuid4()).pk for _ in range(3)]
    many = few + [actions.enqueue(uuid.uuid4()).pk for _ in range(60)]
    with django_assert_max_num_queries(5):
        assert sorted(event["position"] for event in queries.queue_positions(few).values()) == [1, 2, 3]
    with django_assert_max_num_queries(5):
        events = queries.queue_positions(many)
    assert sorted(event["position"] for event in events.values()) == list(range(1, 64))
