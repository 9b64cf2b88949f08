"""The line under a flood: two server processes, PostgreSQL, Redis, 300 sockets from one source.

The attack of the issue: one anonymous client opens 300 sockets in seconds, queues a call on each
and marks each "danger". The servers believe X-Forwarded-For from loopback (as behind nginx), so
each simulated network has its own address. The abuse limits keep their defaults here.
"""

import asyncio
import json
import secrets
import uuid
from collections import Counter

import pytest
import websockets
from asgiref.sync import sync_to_async

from ecoute.abuse import proof_of_work
from ecoute.calls.models import Alert, AlertKind, Call, CallState
from ecoute.calls.supervision import board as supervision_board
from tests.support.backends import need_postgres, need_redis
from tests.support.cast import _user, make_psychologist
from tests.support.live import MANY_CALLERS_ONE_ADDRESS, LiveServer
from tests.support.twofactor import verified_session_cookie

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]

FLOOD_SOCKETS = 300
ATTACKER, GENUINE, HOSPITAL = "203.0.113.7", "198.51.100.20", "192.0.2.50"
# A socket that shows no progress for this long is stuck (progress, not a deadline for the whole run).
STALL = 30


@pytest.fixture
def start_two_servers(live_server_env, settings):
    """Two server processes with the real limits (ENV may change some), believing X-Forwarded-For from loopback."""
    need_postgres()
    need_redis()
    started = []

    def start(**extra):
        env = {
            **live_server_env,
            "REDIS_URL": settings.REDIS_URL,
            "ECOUTE_CHANNEL_PREFIX": f"flood-{secrets.token_hex(4)}",
            "ECOUTE_TRUSTED_PROXIES": "127.0.0.1",
            "ECOUTE_MIN_AVAILABLE": "0",
            "ECOUTE_LONG_WAIT_ALERT_SECONDS": "3600",
            "ECOUTE_CALLER_TIMEOUT": "3600",
            "ECOUTE_LOG_LEVEL": "WARNING",
        }
        for name in MANY_CALLERS_ONE_ADDRESS:  # the real limits, not the tests' loopback crowd
            env.pop(name)
        started.extend(LiveServer({**env, **extra}, name=f"flood-{n}").start() for n in (1, 2))
        return started

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def two_servers(start_two_servers):
    return start_two_servers()


class Socket:
    def __init__(self, connection):
        self.connection = connection
        self.hardest = 0  # the dearest proof of work it was asked

    @classmethod
    async def open(
        cls, server: LiveServer, path: str, address: str | None = None, cookie: str | None = None
    ) -> "Socket":
        headers = {"Origin": server.url}
        if address:
            headers["X-Forwarded-For"] = address
        if cookie:
            headers["Cookie"] = f"sessionid={cookie}"
        return cls(
            await websockets.connect(
                f"ws://localhost:{server.port}{path}", additional_headers=headers, open_timeout=STALL
            )
        )

    async def send(self, event: dict) -> None:
        await self.connection.send(json.dumps(event))

    async def expect(self, *kinds: str) -> dict:
        """The next event of one of KINDS (or an error), skipping the rest."""
        async with asyncio.timeout(STALL):
            while True:
                event = json.loads(await self.connection.recv())
                if event["type"] in kinds or event["type"] == "error":
                    return event


async def caller(server, address: str) -> Socket:
    socket = await Socket.open(server, "/ws/line/", address)
    await socket.expect("presence")
    await socket.send({"type": "hello", "caller_key": secrets.token_urlsafe(32)})
    await socket.expect("hello")
    return socket


async def join(socket: Socket, solve_up_to: int = 10**6) -> dict:
    """Join the queue as the app does, solving the proofs of work asked (up to SOLVE_UP_TO)."""
    message = {"type": "queue.join", "call_id": str(uuid.uuid4())}
    await socket.send(message)
    answer = await socket.expect("queue.joined")
    # As the app: a proof made while others proved at the same moment may be asked again, dearer.
    for _ in range(5):
        if (
            answer["type"] != "error"
            or answer["code"] != "proof_required"
            or answer["challenge"]["maxnumber"] > solve_up_to
        ):
            break
        socket.hardest = max(socket.hardest, answer["challenge"]["maxnumber"])
        number = await asyncio.to_thread(proof_of_work.solve, answer["challenge"])
        await socket.send({**message, "proof": {**answer["challenge"], "number": number}})
        answer = await socket.expect("queue.joined")
    return answer


async def flood_one(server, outcomes: list) -> None:
    """One socket of the attack: connect, join, mark danger; a cheap proof of work it solves, a dear one it does not."""
    try:
        socket = await Socket.open(server, "/ws/line/", ATTACKER)
        first = await socket.expect("presence")
        if first["type"] == "error":
            outcomes.append(first["code"])
            await socket.connection.close()
            return
        await socket.send({"type": "hello", "caller_key": secrets.token_urlsafe(32)})
        await socket.expect("hello")
        answer = await join(socket, solve_up_to=50_000)
        if answer["type"] == "queue.joined":
            await socket.send({"type": "queue.urgent", "call_id": answer["call_id"]})
            await socket.send(
                {"type": "queue.urgent", "call_id": answer["call_id"]}
            )  # "danger" twice: once counts
            outcomes.append("joined")
        else:
            outcomes.append(answer["code"])
        outcomes.append(socket)
    except websockets.ConnectionClosed as closed:
        outcomes.append(f"closed {closed.rcvd.code if closed.rcvd else ''}")


async def staff(first, second):
    """Claire's workspace (not available yet) and a supervisor's board counting its alarms."""
    claire = await sync_to_async(make_psychologist)("Claire")
    supervisor = await sync_to_async(_user)("cadre", "supervisor", "Nadia")
    workspace = await Socket.open(
        second, "/ws/workspace/", cookie=await sync_to_async(verified_session_cookie)(claire)
    )
    await workspace.expect("presence.self")
    board = await Socket.open(
        first, "/ws/supervision/", cookie=await sync_to_async(verified_session_cookie)(supervisor)
    )
    alarms = []

    async def watch_board():
        while True:
            event = json.loads(await board.connection.recv())
            if event["type"] == "alert":
                alarms.append(event)

    return workspace, board, alarms, asyncio.create_task(watch_board())


async def test_a_flood_from_one_source_leaves_the_line_to_a_genuine_caller(two_servers):
    first, second = two_servers
    workspace, board, alarms, watching = await staff(first, second)

    outcomes: list = []
    await asyncio.gather(*(flood_one(two_servers[n % 2], outcomes) for n in range(FLOOD_SOCKETS)))
    sockets = [o for o in outcomes if isinstance(o, Socket)]
    results = [o for o in outcomes if isinstance(o, str)]
    assert len(results) == FLOOD_SOCKETS, results

    flood_calls = await sync_to_async(lambda: list(Call.objects.filter(state=CallState.REQUESTED)))()
    # Beyond its sockets and calls per minute the source floods: even its first call needs a proof
    # dearer than the script will pay. At most a few got in before that, all held back.
    assert len(flood_calls) <= 3, Counter(results)
    assert results.count("too_many_connections") >= FLOOD_SOCKETS - 100
    assert all(call.held_back for call in flood_calls)  # a source over its limits waits behind everyone
    assert results.count("joined") == len(flood_calls)

    genuine = await caller(second, GENUINE)
    joined = await join(genuine)
    assert joined["type"] == "queue.joined"  # from another network: free, no proof asked
    position = await genuine.expect("queue.position")
    assert position["position"] <= 5

    await workspace.send({"type": "status.set", "status": "available"})
    ringing = await workspace.expect("call.ringing")
    assert ringing["call_id"] == joined["call_id"]  # the genuine caller is rung first

    lines = await sync_to_async(lambda: supervision_board._alerts(supervision_board.clock.now()))()
    danger = await sync_to_async(lambda: Alert.objects.filter(kind=AlertKind.DANGER).count())()
    assert danger == len(flood_calls)  # "danger" once per call
    assert len([line for line in lines if line["kind"] == AlertKind.DANGER]) <= 1  # one source, one line
    assert len(alarms) <= 2, alarms  # not 301 alarms: at most a few

    watching.cancel()
    for socket in [*sockets, genuine, workspace, board]:
        await socket.connection.close()


async def test_colleagues_behind_one_hospital_address_all_get_in(two_servers):
    """A few callers at once behind one address: the first is free, the others prove their work in seconds."""
    first, second = two_servers
    colleagues = [await caller(two_servers[n % 2], HOSPITAL) for n in range(4)]
    answers = await asyncio.gather(*(join(socket) for socket in colleagues))
    assert [answer["type"] for answer in answers] == ["queue.joined"] * 4, answers
    waiting = await sync_to_async(
        lambda: list(Call.objects.filter(state=CallState.REQUESTED).values_list("held_back", flat=True))
    )()
    assert waiting == [False] * 4  # a hospital is not a flood: nobody held back
    # At most 160,000 hashes (about 80,000 on average): seconds on a phone, not minutes.
    assert max(socket.hardest for socket in colleagues) <= 8 * 20000
    for socket in colleagues:
        assert (await socket.expect("queue.position"))["type"] == "queue.position"
        await socket.connection.close()


async def test_a_script_that_pays_the_proofs_and_marks_every_call_danger_is_grouped_and_held_back(
    start_two_servers,
):
    """Proofs made cheap (a script with plenty of CPU): its calls get in, but its danger marks make one
    alert line and, beyond a few, send its calls behind the genuine caller's."""
    first, second = start_two_servers(ECOUTE_ABUSE_POW_BASE="50")
    workspace, board, alarms, watching = await staff(first, second)
    script = [await caller((first, second)[n % 2], ATTACKER) for n in range(8)]
    for socket in script:  # one after the other, as fast as it can
        joined = await join(socket)
        assert joined["type"] == "queue.joined", joined
        await socket.expect("queue.position")  # its place, told with the joining
        await socket.send({"type": "queue.urgent", "call_id": joined["call_id"]})
        while not (await socket.expect("queue.position"))["urgent"]:
            pass  # the places told before the urgent mark was stored
    calls = await sync_to_async(lambda: list(Call.objects.filter(state=CallState.REQUESTED)))()
    assert len(calls) == 8 and all(call.priority == 1 for call in calls)

    genuine = await caller(second, GENUINE)
    joined = await join(genuine)
    assert (await genuine.expect("queue.position"))["position"] == 1  # the script's urgent calls wait behind
    await workspace.send({"type": "status.set", "status": "available"})
    assert (await workspace.expect("call.ringing"))["call_id"] == joined["call_id"]

    lines = await sync_to_async(lambda: supervision_board._alerts(supervision_board.clock.now()))()
    danger = [line for line in lines if line["kind"] == AlertKind.DANGER]
    assert len(danger) == 1 and danger[0]["count"] == 8, lines  # "8 appels urgents de la même source en … s"
    assert len(alarms) == 1

    watching.cancel()
    for socket in [*script, genuine, workspace, board]:
        await socket.connection.close()
