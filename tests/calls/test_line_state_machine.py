"""Random sequences of everything that happens on the line, through the real actions and router.

Arrivals in the queue, direct taps, accepts, declines, hang-ups on both sides, callers leaving,
workspaces vanishing, time passing (ring timeouts, wrap-ups, silent apps) and callers saying they
are in danger. After every step the line must hold its promises:

- no psychologist in two calls, no call assigned twice, presence agrees with the calls;
- no waiting call left unrouted while a suitable psychologist is available;
- the queue is ordered by priority, then arrival.
"""

import uuid
from datetime import timedelta

import pytest
from django.db.models import Count
from django.utils import timezone
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from ecoute.accounts.models import Language
from ecoute.calls import actions, place, queue, router
from ecoute.calls.actions import CallError
from ecoute.calls.models import Alert, Call, CallState, Ring, RingOutcome
from ecoute.calls.timers import run_due_timers
from ecoute.lib import clock
from ecoute.presence import actions as presence
from ecoute.presence.actions import PresenceError
from ecoute.presence.models import Presence, Status
from tests.support.cast import make_psychologist

pytestmark = pytest.mark.django_db

LANGUAGES = ("fr", "ar", "en")
SPOKEN = [("fr",), ("fr", "ar"), ("fr", "en"), ("fr",)]
ACTIVE = (CallState.REQUESTED, CallState.RINGING, CallState.CONNECTED)


class Line(RuleBasedStateMachine):
    team: list[int] = []

    def __init__(self):
        super().__init__()
        Ring.objects.all().delete()
        Alert.objects.all().delete()
        Call.objects.all().delete()
        self.now = timezone.now()
        Presence.objects.filter(pk__in=self.team).update(
            status=Status.OFFLINE,
            changed_at=self.now,
            last_seen=self.now,
            session="s",
            wrap_up_until=None,
            consecutive_calls=0,
        )
        self.gone: set[int] = set()  # workspaces that vanished (no heartbeat any more)
        self.numbers = iter(range(1, 10_000))  # call ids in arrival order: a replay draws the same calls
        self.languages = {code: Language.objects.get(code=code).pk for code in LANGUAGES}

    # --- Doing things, as the consumers do: the action, then the router ------------------------

    def act(self, function, *args) -> None:
        with clock.using(lambda: self.now):
            try:
                function(*args)
            except (CallError, PresenceError):
                pass  # refused: the invariants check that nothing changed wrongly
            router.route_waiting()

    def new_call_id(self) -> uuid.UUID:
        return uuid.UUID(int=next(self.numbers))

    def calls(self, *states) -> list:
        return list(
            Call.objects.filter(state__in=states).order_by("requested_at", "pk").values_list("pk", flat=True)
        )

    @rule(language=st.sampled_from((None,) + LANGUAGES), urgent=st.booleans())
    def arrive(self, language, urgent):
        call_id = self.new_call_id()
        self.act(actions.enqueue, call_id, "", self.languages.get(language))
        if urgent:
            self.act(actions.mark_urgent, call_id)

    @rule(data=st.data())
    def ask_for_own_psychologist(self, data):
        self.act(actions.enqueue, self.new_call_id(), "", None, data.draw(st.sampled_from(self.team)))

    @rule(data=st.data())
    def tap(self, data):
        self.act(actions.ring_psychologist, self.new_call_id(), data.draw(st.sampled_from(self.team)))

    @rule(data=st.data())
    def go_available(self, data):
        psychologist = data.draw(st.sampled_from(self.team))
        if psychologist not in self.gone:
            self.act(presence.choose_status, psychologist, "s", Status.AVAILABLE)

    @rule(data=st.data())
    def take_a_break(self, data):
        self.act(presence.choose_status, data.draw(st.sampled_from(self.team)), "s", Status.BREAK)

    @precondition(lambda self: self.calls(CallState.RINGING))
    @rule(data=st.data(), accept=st.booleans())
    def answer(self, data, accept):
        call = Call.objects.get(pk=data.draw(st.sampled_from(self.calls(CallState.RINGING))))
        self.act(actions.accept if accept else actions.decline, call.pk, call.psychologist_id)

    @precondition(lambda self: self.calls(CallState.CONNECTED))
    @rule(data=st.data(), by_caller=st.booleans())
    def hang_up(self, data, by_caller):
        call = Call.objects.get(pk=data.draw(st.sampled_from(self.calls(CallState.CONNECTED))))
        if by_caller:
            self.act(actions.caller_leaves, call.pk)
        else:
            self.act(actions.psychologist_hangs_up, call.pk, call.psychologist_id)

    @precondition(lambda self: self.calls(CallState.REQUESTED, CallState.RINGING))
    @rule(data=st.data())
    def caller_leaves(self, data):
        self.act(
            actions.caller_leaves,
            data.draw(st.sampled_from(self.calls(CallState.REQUESTED, CallState.RINGING))),
        )

    @precondition(lambda self: self.calls(CallState.REQUESTED))
    @rule(data=st.data())
    def caller_in_danger(self, data):
        self.act(actions.mark_urgent, data.draw(st.sampled_from(self.calls(CallState.REQUESTED))))

    @precondition(lambda self: self.calls(CallState.REQUESTED))
    @rule(data=st.data())
    def someone_else_now(self, data):
        self.act(actions.anyone_now, data.draw(st.sampled_from(self.calls(CallState.REQUESTED))))

    @rule(data=st.data())
    def workspace_vanishes(self, data):
        self.gone.add(data.draw(st.sampled_from(self.team)))

    @rule(seconds=st.sampled_from([1, 5, 16, 21, 61]))
    def time_passes(self, seconds):
        """Every live app keeps sending heartbeats; then the timers of a server process run."""
        Presence.objects.filter(pk__in=[p for p in self.team if p not in self.gone]).update(
            last_seen=self.now + timedelta(seconds=seconds)
        )
        Call.objects.filter(state__in=ACTIVE).update(caller_seen_at=self.now + timedelta(seconds=seconds))
        self.now += timedelta(seconds=seconds)
        with clock.using(lambda: self.now):
            run_due_timers(self.now)

    # --- The promises ---------------------------------------------------------------------------

    @invariant()
    def nobody_in_two_calls_and_no_call_assigned_twice(self):
        active = Call.objects.filter(state__in=[CallState.RINGING, CallState.CONNECTED])
        assert not active.values("psychologist").annotate(n=Count("pk")).filter(n__gt=1).exists()
        assert (
            not Ring.objects.filter(outcome=RingOutcome.ACCEPTED)
            .values("call")
            .annotate(n=Count("pk"))
            .filter(n__gt=1)
            .exists()
        )
        assert (
            not Ring.objects.filter(outcome=RingOutcome.RINGING)
            .values("call")
            .annotate(n=Count("pk"))
            .filter(n__gt=1)
            .exists()
        )
        for call in active:
            assert call.psychologist_id is not None

    @invariant()
    def a_listener_is_never_offered_a_call_they_refused(self):
        refused = Ring.objects.filter(
            outcome__in=[RingOutcome.DECLINED, RingOutcome.MISSED], call__queued_at__isnull=False
        )
        for ring_id, call_id, psychologist_id, ended_at in refused.values_list(
            "pk", "call_id", "psychologist_id", "ended_at"
        ):
            later = Ring.objects.filter(
                call_id=call_id, psychologist_id=psychologist_id, started_at__gte=ended_at
            ).exclude(pk=ring_id)
            assert not later.exists()

    @invariant()
    def presence_agrees_with_the_calls(self):
        ringing = set(Call.objects.filter(state=CallState.RINGING).values_list("psychologist_id", flat=True))
        talking = set(
            Call.objects.filter(state=CallState.CONNECTED).values_list("psychologist_id", flat=True)
        )
        assert set(Presence.objects.filter(status=Status.RINGING).values_list("pk", flat=True)) == ringing
        assert set(Presence.objects.filter(status=Status.IN_CALL).values_list("pk", flat=True)) == talking

    @invariant()
    def no_waiting_call_while_a_suitable_psychologist_is_free(self):
        free = set(Presence.objects.filter(status=Status.AVAILABLE).values_list("pk", flat=True))
        for call in Call.objects.filter(state=CallState.REQUESTED, queued_at__isnull=False):
            assert not (free & self.suitable(call)), (
                f"call {call.pk} waits while {free & self.suitable(call)} are free"
            )

    def suitable(self, call) -> set[int]:
        """Written from the rules in the router's docstring, not from its code."""
        refused = set(
            call.rings.filter(outcome__in=[RingOutcome.DECLINED, RingOutcome.MISSED]).values_list(
                "psychologist_id", flat=True
            )
        )
        people = set(self.team) - refused
        if call.preferred_psychologist_id:
            return people & {call.preferred_psychologist_id}
        fallen_back = self.now >= call.queued_at + timedelta(seconds=60)
        if call.language_id and not fallen_back:
            people = {
                p
                for p in people
                if Presence.objects.get(pk=p)
                .user.listener_profile.languages.filter(pk=call.language_id)
                .exists()
            }
        return people

    @invariant()
    def the_queue_is_ordered_by_priority_then_arrival(self):
        waiting = list(queue.waiting_calls())
        assert waiting == sorted(waiting, key=lambda call: (-call.priority, call.queued_at))
        for index, call in enumerate(waiting):
            same = [
                other
                for other in waiting[:index]
                if other.preferred_psychologist_id == call.preferred_psychologist_id
            ]
            expected = 1 + (len(same) if call.preferred_psychologist_id else index)
            assert place.position(call) == expected


def test_the_line_keeps_its_promises_whatever_happens(settings):
    settings.ECOUTE_LANGUAGE_FALLBACK_SECONDS = 60
    for code in LANGUAGES:
        Language.objects.get_or_create(code=code, defaults={"name": code})
    Line.team = [make_psychologist(f"P{i}", languages=spoken).pk for i, spoken in enumerate(SPOKEN)]
    run_state_machine_as_test(
        Line,
        settings=hypothesis_settings(
            max_examples=40, stateful_step_count=25, deadline=None, suppress_health_check=list(HealthCheck)
        ),
    )
