"""200 callers, 30 psychologists, 2 server processes on PostgreSQL and Redis, and one process killed mid-run.

Real uvicorn processes and real websocket clients (the `websockets` library) behave as the apps do:
callers join the queue, send heartbeats, and after a lost connection reconnect to the process
still alive and resume their call; psychologists accept, talk a moment and hang up, and go
available again after a missed ring. Then `kill -9` of one process. Every call must end answered
or explicitly abandoned by its caller: 0 lost, 0 double assignments.
"""

import asyncio
import json
import random
import re
import secrets
import time
import uuid
from collections import Counter
from datetime import datetime

import pytest
import websockets
from asgiref.sync import sync_to_async
from django.db.models import Count, Max
from django.utils import timezone

from ecoute.calls.models import Call, CallState, EndReason, Ring, RingOutcome
from ecoute.presence.models import Presence
from tests.support.backends import need_postgres, need_redis
from tests.support.cast import make_psychologist
from tests.support.live import LiveServer
from tests.support.twofactor import verified_session_cookie

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]

CALLERS, PSYCHOLOGISTS = 200, 30
ARRIVALS_OVER = 12.0  # seconds over which the callers arrive
KILL_AT = 5.0  # seconds after the start, one process is killed
IMPATIENT = 0.1  # share of callers who leave the queue after a few seconds
# The run waits as long as the line moves (callers finish, calls are answered): it fails once
# nothing moved for STALLED seconds, and in any case after HARD_CAP (a quiet run takes ~15 s).
STALLED = 45.0
HARD_CAP = 300.0
SAMPLE_EVERY = 5.0  # seconds between two lines of the progress timeline


@pytest.fixture
def servers(live_server_env, settings):
    need_postgres()
    need_redis()
    env = {
        **live_server_env,
        "REDIS_URL": settings.REDIS_URL,
        "ECOUTE_CHANNEL_PREFIX": f"load-{secrets.token_hex(4)}",
        "ECOUTE_WRAP_UP_SECONDS": "0",
        "ECOUTE_MIN_WRAP_UP_SECONDS": "0",
        "ECOUTE_RING_TIMEOUT": "5",
        "ECOUTE_PRESENCE_TIMEOUT": "10",
        "ECOUTE_MIN_AVAILABLE": "0",
        "ECOUTE_LOG_LEVEL": "INFO",  # every move of a call, timed: what a stalled run's diagnosis reads
    }
    started = [LiveServer(env, name=f"load-{n}").start() for n in (1, 2)]
    yield started
    for server in started:
        server.stop()


class Peer:
    """One simulated app: a websocket that comes back on the live process after a loss."""

    def __init__(self, servers, index: int, path: str, cookie: str | None = None):
        self.servers, self.index, self.path, self.cookie = servers, index, path, cookie
        self.connection = None
        self.reconnections = 0
        self.connected_to: LiveServer | None = None  # the process this peer's socket talks to now

    def server(self) -> LiveServer:
        alive = [s for s in self.servers if s.process.poll() is None]
        return alive[self.index % len(alive)]

    async def open(self) -> None:
        """Connect to a live process, trying again as the apps do (a process may die during the handshake)."""
        for attempt in range(20):
            server = self.server()
            headers = {
                "Origin": server.url,
                **({"Cookie": f"sessionid={self.cookie}"} if self.cookie else {}),
            }
            try:
                self.connection = await websockets.connect(
                    f"ws://localhost:{server.port}{self.path}", additional_headers=headers, open_timeout=10
                )
                self.connected_to = server
                return
            except (OSError, EOFError, TimeoutError, websockets.InvalidHandshake, websockets.InvalidMessage):
                await asyncio.sleep(0.2 + 0.1 * attempt)
        raise ConnectionError(f"no live server process answered {self.path}")

    async def send(self, event: dict) -> None:
        await self.connection.send(json.dumps(event))

    async def events(self):
        """Every event, reconnecting after a lost connection; the first event after one is {"type": "reconnected"}."""
        while True:
            try:
                async for text in self.connection:
                    yield json.loads(text)
                return
            except websockets.ConnectionClosed:
                pass
            await asyncio.sleep(0.2 + random.random() * 0.3)
            await self.open()
            self.reconnections += 1
            yield {"type": "reconnected"}


async def heartbeat(peer: Peer, every: float) -> None:
    while True:
        await asyncio.sleep(every)
        try:
            await peer.send({"type": "heartbeat"})
        except websockets.ConnectionClosed:
            pass  # the reader reconnects


async def psychologist(servers, index: int, cookie: str, stop: asyncio.Event, log: dict) -> None:
    peer = Peer(servers, index, "/ws/workspace/", cookie)
    await peer.open()
    beat = asyncio.create_task(heartbeat(peer, 2))
    current = None
    try:
        async for event in peer.events():
            kind = event["type"]
            if kind in ("reconnected",):
                continue
            if kind == "presence.self" and event["status"] in ("offline", "break") and not stop.is_set():
                await peer.send(
                    {"type": "status.set", "status": "available"}
                )  # back to work after a missed ring
            elif kind == "call.ringing":
                await peer.send({"type": "call.accept", "call_id": event["call_id"]})
            elif kind == "call.connected":
                current = event["call_id"]
                log["answered"].append(current)
                asyncio.get_running_loop().call_later(
                    0.3 + random.random() * 0.7, lambda c=current: asyncio.ensure_future(hang_up(peer, c))
                )
            elif kind == "error":
                log["workspace_errors"].append(event)
            if stop.is_set():
                break
    finally:
        beat.cancel()
        log["psychologist_reconnections"] += peer.reconnections
        await peer.connection.close()


async def hang_up(peer: Peer, call_id: str) -> None:
    try:
        await peer.send({"type": "call.hangup", "call_id": call_id})
    except websockets.ConnectionClosed:
        await asyncio.sleep(
            1
        )  # reconnected meanwhile: the call comes back as call.connected and is hung up then
        await hang_up(peer, call_id)


async def caller(servers, index: int, log: dict) -> str:
    """Returns how the call ended for this caller: 'answered', 'left' or what went wrong."""
    await asyncio.sleep(random.random() * ARRIVALS_OVER)
    peer = Peer(servers, index, "/ws/line/")
    await peer.open()
    key, call_id = secrets.token_urlsafe(32), str(uuid.uuid4())
    log["calls"][index] = call_id
    await peer.send({"type": "hello", "caller_key": key})
    await peer.send({"type": "queue.join", "call_id": call_id})
    beat = asyncio.create_task(heartbeat(peer, 3))
    patience = 2 + random.random() * 4 if random.random() < IMPATIENT else None
    joined_at, connected = time.monotonic(), False
    try:
        async for event in peer.events():
            kind = event["type"]
            log["last"][index] = kind
            if kind == "reconnected":
                await peer.send({"type": "hello", "caller_key": key})
                await peer.send(
                    {"type": "queue.join", "call_id": call_id}
                )  # joins, or resumes if it already had
            elif kind == "call.accepted":
                connected = True
            elif kind == "call.ended":
                if event.get("reason") in ("gone", "abandoned"):
                    return f"lost ({event.get('reason')})"
                return "answered"
            elif kind == "error":
                log["errors"].append(event)
            if patience and not connected and time.monotonic() - joined_at > patience:
                await peer.send({"type": "call.hangup", "call_id": call_id})
                # Sent to the process about to be killed, the hang-up may die with it unread: the
                # call is then abandoned by the server's timeout, as the caller's app closed (caller_lost).
                if peer.connected_to is servers[0]:
                    log["left_on_killed"][index] = time.monotonic()
                return "left"
    finally:
        beat.cancel()
        log["caller_reconnections"] += peer.reconnections
        await peer.connection.close()
    return "closed"


async def killer(servers, log: dict) -> None:
    await asyncio.sleep(KILL_AT)
    servers[0].process.kill()  # SIGKILL: no shutdown, no disconnect handlers, no goodbye
    log["killed_at"] = time.monotonic()


@pytest.mark.timeout(HARD_CAP + 120)  # the servers' start and the team's sessions come on top of the run
async def test_every_call_is_answered_or_left_when_a_server_process_is_killed(servers):
    random.seed(2026)
    team = [await sync_to_async(make_psychologist)(f"P{n}") for n in range(PSYCHOLOGISTS)]
    cookies = [await sync_to_async(verified_session_cookie)(user) for user in team]
    log = {
        "calls": {},
        "last": {},
        "answered": [],
        "errors": [],
        "workspace_errors": [],
        "caller_reconnections": 0,
        "psychologist_reconnections": 0,
        "left_on_killed": {},
    }
    stop = asyncio.Event()
    started = time.monotonic()
    team_tasks = [
        asyncio.create_task(psychologist(servers, n, cookie, stop, log)) for n, cookie in enumerate(cookies)
    ]
    kill = asyncio.create_task(killer(servers, log))
    callers = [asyncio.create_task(caller(servers, n, log)) for n in range(CALLERS)]
    run = Run(servers, callers, team_tasks, [user.pk for user in team], log)
    stalled = await run.wait()
    if stalled:
        pytest.fail(f"{stalled}\n{await sync_to_async(run.diagnosis)()}")
    outcomes = [task.result() for task in callers]
    elapsed = time.monotonic() - started
    stop.set()
    await kill
    for task in team_tasks:
        task.cancel()
    await asyncio.gather(*team_tasks, return_exceptions=True)

    tally = {outcome: outcomes.count(outcome) for outcome in set(outcomes)}
    print(
        f"\n{CALLERS} callers in {elapsed:.1f} s: {tally}; reconnections: callers {log['caller_reconnections']}, "
        f"psychologists {log['psychologist_reconnections']}"
    )
    assert set(tally) <= {"answered", "left"}, tally
    assert log["caller_reconnections"] > 0 and log["psychologist_reconnections"] > 0  # the kill hit clients
    await sync_to_async(check_the_database)(log, outcomes)


class Run:
    """Waits for the callers while the line moves, and says what it was doing if it stops moving."""

    def __init__(
        self,
        servers,
        callers: list[asyncio.Task],
        team_tasks: list[asyncio.Task],
        team_ids: list[int],
        log: dict,
    ):
        self.servers, self.callers, self.team_tasks, self.team_ids, self.log = (
            servers,
            callers,
            team_tasks,
            team_ids,
            log,
        )
        self.started = time.monotonic()
        self.timeline: list[str] = []
        self.late = 0.0  # how late this process's own event loop ran since the last sample (the apps' delay)

    def progress(self) -> tuple[int, int]:
        """Callers finished, calls answered: both only grow while the line works."""
        return sum(task.done() for task in self.callers), len(self.log["answered"])

    async def wait(self) -> str | None:
        """None once every caller finished; otherwise why the wait stopped."""
        seen, moved_at, sampled_at = self.progress(), self.started, self.started
        while not all(task.done() for task in self.callers):
            slept_at = time.monotonic()
            await asyncio.sleep(0.5)
            now = time.monotonic()
            self.late = max(self.late, now - slept_at - 0.5)
            if (current := self.progress()) != seen:
                seen, moved_at = current, now
            if now - sampled_at >= SAMPLE_EVERY:
                sampled_at = now
                self.timeline.append(await sync_to_async(self.sample)())
                print(self.timeline[-1])
            if now - moved_at > STALLED:
                return f"The line stalled: no caller finished and no call was answered for {STALLED:.0f} s."
            if now - self.started > HARD_CAP:
                return f"The line was still moving but too slowly: callers unfinished after {HARD_CAP:.0f} s."
        return None

    def sample(self) -> str:
        finished, answered = self.progress()
        states = Counter(
            Call.objects.filter(pk__in=list(self.log["calls"].values())).values_list("state", flat=True)
        )
        presences = Counter(Presence.objects.filter(pk__in=self.team_ids).values_list("status", flat=True))
        late, self.late = self.late, 0.0
        return (
            f"{time.monotonic() - self.started:5.0f} s: {finished} callers finished, {answered} answered; "
            f"calls {dict(states)}; psychologists {dict(presences)}; the apps' loop up to {late:.1f} s late"
        )

    def diagnosis(self) -> str:
        """What the stuck callers, their calls, the psychologists and the server processes were doing."""
        stuck = [n for n, task in enumerate(self.callers) if not task.done()]
        stuck_calls = [self.log["calls"][n] for n in stuck if n in self.log["calls"]]
        call_ids = list(self.log["calls"].values())
        refusals = (
            Ring.objects.filter(
                call_id__in=stuck_calls, outcome__in=[RingOutcome.DECLINED, RingOutcome.MISSED]
            )
            .values("call")
            .annotate(n=Count("psychologist", distinct=True))
            .values_list("n", flat=True)
        )
        last = Ring.objects.filter(call_id__in=call_ids).aggregate(
            ring=Max("started_at"), ended=Max("ended_at")
        )
        answered_at = Call.objects.filter(pk__in=call_ids).aggregate(last=Max("answered_at"))["last"]
        dead_psychologists = [
            repr(task.exception())
            for task in self.team_tasks
            if task.done() and not task.cancelled() and task.exception()
        ]
        lines = [
            *self.timeline,
            f"{len(stuck)} callers unfinished ({len(stuck) - len(stuck_calls)} before joining): their last events "
            f"{dict(Counter(self.log['last'].get(n, 'none') for n in stuck))}; their calls "
            f"{dict(Counter(Call.objects.filter(pk__in=stuck_calls).values_list('state', flat=True)))}",
            f"every call: {dict(Counter(Call.objects.filter(pk__in=call_ids).values_list('state', flat=True)))}; rings "
            f"{dict(Counter(Ring.objects.filter(call_id__in=call_ids).values_list('outcome', flat=True)))}",
            f"stuck calls refused (declined or missed) by n psychologists: {dict(Counter(refusals))} of {len(self.team_ids)}",
            f"psychologists: {dict(Counter(Presence.objects.filter(pk__in=self.team_ids).values_list('status', flat=True)))}; "
            f"their apps ended with an error: {dead_psychologists or 'none'}",
            f"last ring made {_ago(last['ring'])}, last ring closed {_ago(last['ended'])}, last call answered {_ago(answered_at)}",
            f"errors sent to the callers' apps: {dict(Counter(error.get('code') for error in self.log['errors']))}, "
            f"to the workspaces: {dict(Counter(error.get('code') for error in self.log['workspace_errors']))}",
            *(server_summary(server) for server in self.servers),
        ]
        return "\n".join(lines)


def _ago(moment) -> str:
    return f"{(timezone.now() - moment).total_seconds():.1f} s ago" if moment else "never"


LOG_LINE = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d),\d+ (\w+) (\S+) (.*)$")


def server_summary(server: LiveServer) -> str:
    """One server process: alive or not, its last router move, and the errors it logged (from its log)."""
    state = "alive" if server.process.poll() is None else f"ended ({server.process.returncode})"
    last_ring, problems = None, Counter()
    for line in server.log().splitlines():
        if match := LOG_LINE.match(line):
            moment, level, logger, message = match.groups()
            if message.endswith(f"is now {CallState.RINGING}"):
                last_ring = moment
            elif level in ("WARNING", "ERROR", "CRITICAL"):
                problems[f"{level} {logger} {message[:100]}"] += 1
        elif not line.startswith((" ", "Traceback")) and "Error" in line:
            problems[line[:120]] += 1  # the exception line closing a traceback
    ago = (
        f" ({(datetime.now() - datetime.fromisoformat(last_ring)).total_seconds():.0f} s ago)"
        if last_ring
        else ""
    )
    return f"server {server.port} {state}: last call rung {last_ring or 'never'}{ago}; logged {dict(problems.most_common(6)) or 'no problem'}"


def check_the_database(log: dict, outcomes: list[str]) -> None:
    calls = {call.pk: call for call in Call.objects.filter(pk__in=list(log["calls"].values()))}
    assert len(log["calls"]) == CALLERS
    for index, outcome in enumerate(outcomes):
        call = calls.get(uuid.UUID(log["calls"][index]))
        if call is None:
            # Only a caller who gave up while their join was lost with the killed process has no call:
            # the server never heard of it, so nobody waits for an answer.
            assert outcome == "left", (index, outcome)
        elif outcome == "answered":
            assert call.state == CallState.ENDED and call.answered_at, call
        else:  # left: abandoned by its caller, or answered the instant they gave up
            answered = call.state == CallState.ENDED and call.answered_at
            reasons = {EndReason.CALLER_LEFT}
            if log["left_on_killed"].get(index, float("inf")) < log["killed_at"]:
                reasons.add(EndReason.CALLER_LOST)  # the hang-up died unread with the killed process
            assert answered or (call.state == CallState.ABANDONED and call.end_reason in reasons), call
    # No call answered twice, no psychologist in two calls at once.
    assert (
        not Ring.objects.filter(outcome=RingOutcome.ACCEPTED)
        .values("call")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .exists()
    )
    spans: dict = {}
    for call in calls.values():
        if call.answered_at:
            spans.setdefault(call.psychologist_id, []).append((call.answered_at, call.ended_at))
    for intervals in spans.values():
        intervals.sort()
        for (_, end), (start, _) in zip(intervals, intervals[1:]):
            assert start >= end, "a psychologist was in two calls at once"
