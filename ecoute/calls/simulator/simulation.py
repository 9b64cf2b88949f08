"""The service-level simulator: simulated callers and listeners driving the REAL router and actions.

Time is simulated (ecoute.lib.clock), so a week runs in seconds. Callers arrive as a Poisson
process whose rate follows the hour of the day; each joins the queue (actions.enqueue) with an
exponential patience and leaves if not answered by then (actions.caller_leaves). Listeners come
on duty by shifts, answer a ring after a few seconds (or miss it now and then), talk for an
exponential time, hang up, wrap up. Every decision is the router's (router.route_waiting); the
simulator only plays the people. Everything happens in a database of its own, an empty SQLite one
in memory made from the migrations (`_a_database_of_its_own`), inside one transaction rolled back at
the end: the line's real calls, listeners and presences are never read nor locked (a waiting caller
would otherwise be routed, and real calls counted in the figures), the same seed gives the same
figures whatever the real database holds, and no event is sent to anyone.
"""

import heapq
import itertools
import math
import random
import statistics
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.core.management import call_command
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.utils import ConnectionHandler
from django.utils import timezone

from ecoute.accounts.models import ListenerProfile, Role, User
from ecoute.lib import clock
from ecoute.presence import actions as presence
from ecoute.presence.models import Presence, Status

from .. import actions, router
from ..actions import CallError
from ..models import Call, CallState, Channel, Ring
from ..timers import miss_unanswered_rings
from . import erlang

# The share of a day's calls in each hour (SPS's line: evenings heavier, a quieter night).
DAY_PROFILE = [2, 1.5, 1, 1, 1, 1.5, 3, 4, 5, 5.5, 5.5, 5, 5, 5.5, 5.5, 5.5, 5.5, 6, 6.5, 6.5, 6, 5, 4, 3]
NIGHT_PROFILE = [6, 6, 5, 4, 3, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 3, 4, 5, 6, 6, 6]


# From the answer to joining the queue without pressing a key: the welcome, the menu, the pause
# after it (docs/telephony.md, "The media agent").
PHONE_MENU_SECONDS = 18.0


@dataclass(frozen=True)
class Period:
    """A stretch of the simulated time with one arrival rate and one number of listeners on duty."""

    offset: float  # seconds from the start
    seconds: float
    rate: float  # calls per second
    on_duty: int


@dataclass
class Scenario:
    name: str
    calls_per_day: float
    profile: list[float]
    talk_seconds: float  # mean, exponential
    patience_seconds: float  # mean, exponential
    staffing: list[int] | None = None  # listeners on duty each hour; None: what Erlang C recommends
    answer_delay: tuple[float, float] = (2.0, 6.0)  # a listener picks up after this many seconds
    miss_rate: float = 0.01  # rings nobody answers (the listener stepped away)
    wrap_up_seconds: int = 60
    target_service_level: float = 0.95
    # The share of callers who dial the numéro vert: they hear the voice menu first, then wait in the
    # same queue as the app's callers (ecoute/telephony; docs/telephony.md).
    phone_share: float = 0.0
    phone_menu_seconds: float = PHONE_MENU_SECONDS

    def rate(self, hour: int) -> float:
        """Calls per second in this hour of the day."""
        return self.calls_per_day * self.profile[hour] / sum(self.profile) / 3600

    def handle_seconds(self) -> float:
        """What one call takes from a listener: ring, talk, wrap-up (the queueing models' handle time)."""
        return sum(self.answer_delay) / 2 + self.talk_seconds + self.wrap_up_seconds

    def on_duty(self, hour: int) -> int:
        if self.staffing:
            return self.staffing[hour]
        return erlang.staffing_for(self.rate(hour), self.handle_seconds(), self.target_service_level)

    def periods(self, days: float) -> list[Period]:
        """Hour by hour, the day's profile and staffing over and over."""
        total = days * 86400
        return [
            Period(hour * 3600, min(3600, total - hour * 3600), self.rate(hour % 24), self.on_duty(hour % 24))
            for hour in range(math.ceil(days * 24))
        ]

    def staffing_shown(self) -> list[int]:
        return [self.on_duty(hour) for hour in range(24)]


@dataclass
class Replay(Scenario):
    """A forecast week on a rota: each half-hour's expected calls and the listeners the rota puts on
    duty (ecoute/rota/proof.py). The calls are drawn around the forecast, not copied from it."""

    half_hours: list[tuple[float, int]] = field(default_factory=list)  # (expected calls, listeners)

    def periods(self, days: float) -> list[Period]:
        return [
            Period(index * 1800, 1800, calls / 1800, on_duty)
            for index, (calls, on_duty) in enumerate(self.half_hours)
            if index * 1800 < days * 86400
        ]

    def staffing_shown(self) -> list[int]:
        return [on_duty for _calls, on_duty in self.half_hours]


SCENARIOS = {
    "typical-day": Scenario(
        "typical-day",
        20,
        DAY_PROFILE,
        talk_seconds=20 * 60,
        patience_seconds=180,
        staffing=[1] * 7 + [2] * 16 + [1],
    ),
    # During the pandemic: 200 calls a day of about 15 minutes; staffed as Erlang C recommends.
    "crisis-peak": Scenario("crisis-peak", 200, DAY_PROFILE, talk_seconds=15 * 60, patience_seconds=120),
    # The typical day when most callers dial the free number, as most of the first 4,000 calls did.
    "numero-vert": Scenario(
        "numero-vert",
        20,
        DAY_PROFILE,
        talk_seconds=20 * 60,
        patience_seconds=180,
        staffing=[1] * 7 + [2] * 16 + [1],
        phone_share=0.6,
    ),
    "night": Scenario(
        "night",
        12,
        NIGHT_PROFILE,
        talk_seconds=25 * 60,
        patience_seconds=240,
        staffing=[2] * 7 + [1] * 13 + [2] * 4,
    ),
}


@dataclass
class Report:
    scenario: str
    days: float
    offered: int = 0
    answered: int = 0
    abandoned: int = 0
    waits: list[float] = field(default_factory=list)  # until answered: what the caller lived
    queue_waits: list[float] = field(default_factory=list)  # until a listener first rang: the models' wait
    occupancy: dict[str, float] = field(default_factory=dict)
    model: dict = field(default_factory=dict)
    by_channel: dict[str, dict] = field(default_factory=dict)

    def figures(self) -> dict:
        waits = sorted(self.waits)
        within = settings.ECOUTE_SERVICE_LEVEL_SECONDS
        return {
            "scenario": self.scenario,
            "days": self.days,
            "offered": self.offered,
            "answered": self.answered,
            "abandoned": self.abandoned,
            "answer_rate": _percent(self.answered, self.offered),
            "abandonment": _percent(self.abandoned, self.offered),
            "service_level": _percent(sum(1 for w in waits if w <= within), self.offered),
            "offered_within": _percent(sum(1 for w in self.queue_waits if w <= within), self.offered),
            "average_speed": round(statistics.fmean(waits), 1) if waits else None,
            "p95_speed": round(waits[min(len(waits) - 1, math.ceil(0.95 * len(waits)) - 1)], 1)
            if waits
            else None,
            "occupancy": self.occupancy,
            "model": self.model,
            "by_channel": self.by_channel,
        }


def _percent(part: float, whole: float) -> float | None:
    return round(100 * part / whole, 2) if whole else None


class _Rollback(Exception):
    pass


@contextmanager
def _a_database_of_its_own():
    """The default database of this thread swapped, while the simulation runs, for an empty one in memory."""
    own = ConnectionHandler({DEFAULT_DB_ALIAS: {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}})[
        DEFAULT_DB_ALIAS
    ]
    real = connections[DEFAULT_DB_ALIAS]
    connections[DEFAULT_DB_ALIAS] = own  # thread-local: the server's other threads keep the real one
    try:
        call_command("migrate", verbosity=0, interactive=False)
        yield
    finally:
        connections[DEFAULT_DB_ALIAS] = real
        own.close()


class Simulation:
    def __init__(self, scenario: Scenario, days: float = 1, seed: int = 1):
        self.scenario, self.days = scenario, days
        self.random = random.Random(seed)
        # Its own stream: a scenario without phone callers draws the same calls as before it existed.
        self.dialling = random.Random(f"{seed}-channel")
        self.start = timezone.now().replace(hour=0, minute=0, second=0, microsecond=0)
        self.now = self.start
        self.events: list = []
        self.sequence = itertools.count()
        self.listeners: list[int] = []
        self.duty_seconds: dict[int, float] = {}
        self.on_duty_since: dict[int, datetime] = {}
        self.leaving: set[int] = set()  # off shift: leaves after the current call
        self.last_ring = 0
        self.talk: dict[int, float] = {}

    # --- The run -------------------------------------------------------------------------------

    def run(self) -> Report:
        report = Report(self.scenario.name, self.days)
        try:
            with (
                _a_database_of_its_own(),
                transaction.atomic(),
                clock.using(lambda: self.now),
                self._settings(),
            ):
                self._hire(max(period.on_duty for period in self.scenario.periods(self.days)))
                self._schedule_shifts_and_arrivals()
                while self.events:
                    self.now, _, kind, payload = heapq.heappop(self.events)
                    getattr(self, "_on_" + kind)(*payload)
                    self._route()
                self._close_the_books(report)
                raise _Rollback  # the simulation leaves nothing behind
        except _Rollback:
            pass
        return report

    def _settings(self):
        from django.test import override_settings

        return override_settings(
            ECOUTE_WRAP_UP_SECONDS=self.scenario.wrap_up_seconds,
            ECOUTE_MIN_WRAP_UP_SECONDS=0,
            ECOUTE_CONSECUTIVE_CALLS_CAP=0,
        )

    def _at(self, when: datetime, kind: str, *payload) -> None:
        heapq.heappush(self.events, (when, next(self.sequence), kind, payload))

    def _later(self, seconds: float, kind: str, *payload) -> None:
        self._at(self.now + timedelta(seconds=seconds), kind, *payload)

    def _hire(self, count: int) -> None:
        for n in range(count):
            user = User.objects.create(username=f"simulated-{uuid.uuid4().hex[:12]}", role=Role.PSYCHOLOGIST)
            ListenerProfile.objects.create(user=user, first_name=f"Écoutant {n + 1}")
            Presence.objects.create(
                user=user, status=Status.OFFLINE, session="simulation", last_seen=self.now
            )
            self.listeners.append(user.pk)
            self.duty_seconds[user.pk] = 0.0
            self.talk[user.pk] = 0.0

    def _schedule_shifts_and_arrivals(self) -> None:
        end = self.start + timedelta(days=self.days)
        for period in self.scenario.periods(self.days):
            begins = self.start + timedelta(seconds=period.offset)
            self._at(begins, "shift", period.on_duty)
            t = begins
            while period.rate > 0:
                t += timedelta(seconds=self.random.expovariate(period.rate))
                if t >= min(begins + timedelta(seconds=period.seconds), end):
                    break
                self._at(t, "arrival")
        self._at(end, "close")

    # --- The people -----------------------------------------------------------------------------

    def _on_shift(self, wanted: int) -> None:
        """WANTED listeners on duty from now: some come back or clock in, others leave after their call."""
        staying = [pk for pk in self.listeners if pk in self.on_duty_since and pk not in self.leaving]
        for pk in self.listeners:
            if len(staying) >= wanted:
                break
            if pk in self.leaving:
                self.leaving.discard(pk)
            elif pk not in self.on_duty_since:
                self._clock_in(pk)
            else:
                continue
            staying.append(pk)
        for pk in staying[wanted:]:
            self.leaving.add(pk)
            self._leave_if_free(pk)

    def _clock_in(self, pk: int) -> None:
        self.on_duty_since[pk] = self.now
        presence.choose_status(pk, "simulation", Status.AVAILABLE)

    def _leave_if_free(self, pk: int) -> None:
        try:
            presence.choose_status(pk, "simulation", Status.OFFLINE)
        except presence.PresenceError:
            return  # in a call: leaves after it (see _on_wrap_up_end)
        self.leaving.discard(pk)
        self.duty_seconds[pk] += (self.now - self.on_duty_since.pop(pk)).total_seconds()

    def _on_arrival(self) -> None:
        if self.scenario.phone_share and self.dialling.random() < self.scenario.phone_share:
            self._later(self.scenario.phone_menu_seconds, "menu_over")
        else:
            self._join(Channel.APP)

    def _on_menu_over(self) -> None:
        """A phone caller past the voice menu joins the queue (hanging up in the menu is not simulated)."""
        self._join(Channel.PHONE)

    def _join(self, channel: str) -> None:
        call = actions.enqueue(uuid.uuid4(), channel=channel)
        self._later(self.random.expovariate(1 / self.scenario.patience_seconds), "patience_over", call.pk)

    def _on_patience_over(self, call_id) -> None:
        """The caller gives up if still waiting in the queue; while it rings ("someone is answering") they hold on."""
        state = Call.objects.filter(pk=call_id).values_list("state", flat=True).first()
        if state == CallState.REQUESTED:
            actions.caller_leaves(call_id)
        elif state == CallState.RINGING:
            self._later(settings.ECOUTE_RING_TIMEOUT + 1, "patience_over", call_id)

    def _on_answer(self, call_id, pk: int) -> None:
        try:
            actions.accept(call_id, pk)
        except CallError:
            return  # the caller gave up while it rang
        talk = self.random.expovariate(1 / self.scenario.talk_seconds)
        self.talk[pk] += talk
        self._later(talk, "hang_up", call_id, pk)

    def _on_hang_up(self, call_id, pk: int) -> None:
        actions.psychologist_hangs_up(call_id, pk)
        self._later(self.scenario.wrap_up_seconds, "wrap_up_end", pk)

    def _on_wrap_up_end(self, pk: int) -> None:
        # The wrap-up's time is the time taken to write the record: written, the wrap-up ends.
        Presence.objects.filter(pk=pk).update(wrap_up_call_id=None)
        presence.end_due_wrap_ups(self.now)
        if pk in self.leaving:
            self._leave_if_free(pk)

    def _on_ring_timeout(self) -> None:
        miss_unanswered_rings(self.now)  # the real timer: the listener goes on break, the call rings the next

    def _on_back_from_break(self, pk: int) -> None:
        if pk in self.on_duty_since and pk not in self.leaving:
            try:
                presence.choose_status(pk, "simulation", Status.AVAILABLE)
            except presence.PresenceError:
                pass

    def _on_close(self) -> None:
        """The end of the simulated period: calls still waiting are counted as they stand."""

    def _route(self) -> None:
        """The router decides; the simulated listener whose workspace rings picks up, or misses it."""
        router.route_waiting()
        for ring_id, call_id, pk in (
            Ring.objects.filter(pk__gt=self.last_ring)
            .order_by("pk")
            .values_list("pk", "call_id", "psychologist_id")
        ):
            self.last_ring = ring_id
            if self.random.random() < self.scenario.miss_rate:
                self._later(settings.ECOUTE_RING_TIMEOUT + 0.001, "ring_timeout")
                self._later(settings.ECOUTE_RING_TIMEOUT + 120, "back_from_break", pk)
            else:
                self._later(self.random.uniform(*self.scenario.answer_delay), "answer", call_id, pk)

    # --- The figures ----------------------------------------------------------------------------

    def _close_the_books(self, report: Report) -> None:
        end = self.start + timedelta(days=self.days)
        for pk, since in self.on_duty_since.items():
            self.duty_seconds[pk] += (max(self.now, end) - since).total_seconds()
        calls = Call.objects.filter(requested_at__lt=end)
        report.offered = calls.count()
        report.answered = calls.filter(answered_at__isnull=False).count()
        report.abandoned = calls.filter(state=CallState.ABANDONED).count()
        answered = calls.filter(answered_at__isnull=False).values_list(
            "requested_at", "ringing_at", "answered_at"
        )
        report.waits = [(a - r).total_seconds() for r, _, a in answered]
        report.queue_waits = [(rang - r).total_seconds() for r, rang, _ in answered]
        report.occupancy = {
            f"écoutant {n + 1}": round(100 * self.talk[pk] / self.duty_seconds[pk], 1)
            if self.duty_seconds[pk]
            else None
            for n, pk in enumerate(self.listeners)
        }
        report.model = self._model()
        report.by_channel = {
            channel: _channel_figures(calls.filter(channel=channel)) for channel in Channel.values
        }

    def _model(self) -> dict:
        """Erlang C and Erlang A for the same load and staffing, period by period, weighted by each one's calls."""
        scenario, handle = self.scenario, self.scenario.handle_seconds()
        totals = {"erlang_c": [0.0, 0.0, 0.0], "erlang_a": [0.0, 0.0, 0.0]}
        weight = 0.0
        for period in scenario.periods(self.days):
            rate, agents, calls = period.rate, period.on_duty, period.rate * period.seconds
            if rate == 0:
                continue
            c = erlang.erlang_c_prediction(rate, handle, agents)
            a = erlang.erlang_a_prediction(rate, handle, agents, scenario.patience_seconds)
            for name, p in (("erlang_c", c), ("erlang_a", a)):
                totals[name][0] += calls * p.answer_rate
                totals[name][1] += calls * p.service_level
                totals[name][2] += calls * min(p.average_speed, 3600)
            weight += calls
        return {
            name: {
                "answer_rate": round(100 * t[0] / weight, 2),
                "service_level": round(100 * t[1] / weight, 2),
                "average_speed": round(t[2] / weight, 1),
            }
            for name, t in totals.items()
        } | {"handle_seconds": round(handle), "staffing": scenario.staffing_shown()}


def simulate(name: str, days: float = 1, seed: int = 1) -> dict:
    return Simulation(SCENARIOS[name], days, seed).run().figures()


def _channel_figures(calls) -> dict:
    """Offered, answered, abandoned and the answer rate of one channel's calls; its p95 wait to answer."""
    offered = calls.count()
    waits = sorted(
        (answered - requested).total_seconds()
        for requested, answered in calls.filter(answered_at__isnull=False).values_list(
            "requested_at", "answered_at"
        )
    )
    return {
        "offered": offered,
        "answered": len(waits),
        "abandoned": calls.filter(state=CallState.ABANDONED).count(),
        "answer_rate": _percent(len(waits), offered),
        "p95_speed": round(waits[min(len(waits) - 1, math.ceil(0.95 * len(waits)) - 1)], 1)
        if waits
        else None,
    }
