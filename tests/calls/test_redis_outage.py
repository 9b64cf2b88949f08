"""Redis stops in the middle of a call, then comes back: the line goes on and recovers by itself.

A real uvicorn server on PostgreSQL with a Redis of the test's own, stopped and restarted mid-call.
The voice goes through the TURN relay, not Redis; what Redis carries (events between processes) may
pause, but the call must stay connected, the sockets open, and the pages and the staff login must
answer without a 500. Once Redis is back everything works again without restarting the server.
"""

import asyncio
import re
import time

import pytest
import requests
from asgiref.sync import sync_to_async

from ecoute.calls.models import Call, CallState, Ring, RingOutcome
from ecoute.presence.models import Presence, Status
from tests.support.backends import need_postgres
from tests.support.cast import PASSWORD, make_psychologist
from tests.support.live import LiveServer
from tests.support.own_redis import OwnRedis, need_redis_server, own_redis  # noqa: F401 (a fixture)
from tests.support.server_sockets import ServerSocket, open_socket
from tests.support.twofactor import current_code, give_authenticator, verified_session_cookie

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

OFFER = {"description": {"type": "offer", "sdp": "v=0\r\no=- 1 2 IN IP4 0.0.0.0\r\ns=-\r\n"}}
ANSWER = {"description": {"type": "answer", "sdp": "v=0\r\no=- 3 4 IN IP4 0.0.0.0\r\ns=-\r\n"}}


@pytest.fixture
def servers(live_server_env, own_redis):
    """Two server processes sharing the database and the Redis, as behind the TLS proxy in production."""
    need_postgres()
    env = {
        **live_server_env,
        "REDIS_URL": own_redis.url,
        "ECOUTE_CHANNEL_PREFIX": "outage",
        "ECOUTE_RING_TIMEOUT": "5",
    }
    processes = [LiveServer(env, name=f"outage-{n}").start() for n in (1, 2)]
    yield processes
    for process in processes:
        process.stop()


def staff_login(server: LiveServer, username: str, password: str, device=None) -> list[int]:
    """The staff login through its pages; returns the status of each answer."""
    session = requests.Session()
    statuses = []
    page = session.get(f"{server.url}/connexion/", timeout=10)
    statuses.append(page.status_code)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    answer = session.post(
        f"{server.url}/connexion/",
        timeout=10,
        allow_redirects=False,
        data={"csrfmiddlewaretoken": token, "username": username, "password": password},
    )
    statuses.append(answer.status_code)
    if device is not None and answer.status_code == 302:
        page = session.get(f"{server.url}/connexion/verification/", timeout=10)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
        answer = session.post(
            f"{server.url}/connexion/verification/",
            timeout=10,
            allow_redirects=False,
            data={"csrfmiddlewaretoken": token, "token": current_code(device)},
        )
        statuses += [page.status_code, answer.status_code]
        assert answer.status_code == 302, "the second factor was refused"
        assert session.get(f"{server.url}/espace/", timeout=10).status_code == 200
    return statuses


async def board_shows(client: ServerSocket, psychologist_id: int, status: str) -> None:
    while True:
        changes = (await client.expect("presence", timeout=30))["changes"]
        if any(change["id"] == psychologist_id and change["status"] == status for change in changes):
            return


async def call_state(call_id: str) -> str:
    return (await sync_to_async(Call.objects.get)(pk=call_id)).state


async def connected_call(
    caller_side: LiveServer, listener_side: LiveServer, claire
) -> tuple[ServerSocket, ServerSocket, str]:
    cookie = await sync_to_async(verified_session_cookie)(claire)
    caller = await open_socket(caller_side, "/ws/line/")
    await caller.expect("presence")
    workspace = await open_socket(listener_side, "/ws/workspace/", cookie)
    await workspace.expect("presence.self")
    await workspace.send({"type": "status.set", "status": "available"})
    await caller.send({"type": "hello", "caller_key": "k" * 43})
    await caller.expect("hello")
    await board_shows(caller, claire.pk, "available")
    await caller.send({"type": "call.request", "psychologist_id": claire.pk})
    call_id = (await workspace.expect("call.ringing"))["call_id"]
    await workspace.send({"type": "call.accept", "call_id": call_id})
    await caller.expect("call.accepted")
    return caller, workspace, call_id


async def test_a_call_in_progress_survives_a_redis_outage_and_the_line_recovers_by_itself(servers, own_redis):
    # The caller on one process, the psychologist on the other: everything between them crosses Redis.
    first, second = servers
    claire = await sync_to_async(make_psychologist)("Claire")
    device = await sync_to_async(give_authenticator)(claire)
    caller, workspace, call_id = await connected_call(first, second, claire)
    await caller.send({"type": "signal", "call_id": call_id, "signal": OFFER})
    assert (await workspace.expect("signal"))["signal"] == OFFER

    own_redis.stop()
    # While Redis is gone: both sides keep talking to their servers (heartbeats, signalling), which
    # must neither end the call nor close a socket.
    for _ in range(3):
        await workspace.send({"type": "heartbeat"})
        await caller.send({"type": "heartbeat", "call_id": call_id})
        await caller.send({"type": "signal", "call_id": call_id, "signal": OFFER})
        await workspace.send({"type": "signal", "call_id": call_id, "signal": ANSWER})
        await caller.still_answers()
        await workspace.still_answers()
        await asyncio.sleep(1)  # the timers' ticks run meanwhile, with their broadcasts failing

    # Newcomers are served, not refused with a 500: a caller's app, a workspace, the pages, the login.
    newcomer = await open_socket(first, "/ws/line/")
    await newcomer.expect("presence")
    await newcomer.still_answers()
    karim = await sync_to_async(make_psychologist)("Karim")
    second_workspace = await open_socket(
        second, "/ws/workspace/", await sync_to_async(verified_session_cookie)(karim)
    )
    await second_workspace.expect("presence.self")
    # A change the other process cannot hear of now: it catches up once Redis is back.
    await second_workspace.send({"type": "status.set", "status": "available"})
    assert (await second_workspace.expect("presence.self"))["status"] == "available"
    # A ring from the other process cannot reach Karim's workspace now: when it goes unanswered he
    # stays available, rather than being put on break for a ring he never saw.
    early = await open_socket(first, "/ws/line/")
    await early.expect("presence")
    await early.send({"type": "call.request", "psychologist_id": karim.pk})
    async with asyncio.timeout(30):
        while not await sync_to_async(
            Ring.objects.filter(psychologist=karim, outcome=RingOutcome.MISSED).exists
        )():
            await asyncio.sleep(0.2)
    assert (await sync_to_async(Presence.objects.get)(pk=karim.pk)).status == Status.AVAILABLE
    await early.connection.close()
    for server in servers:
        for path in ("/", "/connexion/", "/hors-ligne/", "/orientation/"):
            assert requests.get(f"{server.url}{path}", timeout=10).status_code == 200, path
        assert await sync_to_async(staff_login)(server, claire.username, "not-the-password") == [200, 200]
    # A code is good once (replays are refused): one full login, on one of the processes.
    assert await sync_to_async(staff_login)(second, claire.username, PASSWORD, device) == [200, 302, 200, 302]

    assert await call_state(call_id) == CallState.CONNECTED
    await caller.still_answers()
    await workspace.still_answers()
    assert not caller.saw("call.ended") and not workspace.saw("call.ended")

    own_redis.start()
    await board_shows(
        newcomer, karim.pk, "available"
    )  # the board sent again in full, with the change it missed
    # Signalling flows again once this process has subscribed anew (it retries with backoff).
    async with asyncio.timeout(30):
        while True:
            await caller.send({"type": "signal", "call_id": call_id, "signal": OFFER})
            try:
                if (await workspace.expect("signal", timeout=0.5))["signal"] == OFFER:
                    break
            except TimeoutError:
                pass
    await workspace.send({"type": "signal", "call_id": call_id, "signal": ANSWER})
    assert (await caller.expect("signal"))["signal"] == ANSWER
    assert await call_state(call_id) == CallState.CONNECTED

    await caller.send({"type": "call.hangup", "call_id": call_id})
    await workspace.expect("call.ended")

    # A new call from the caller who arrived during the outage, to the psychologist who arrived then:
    # board updates, ringing and answering all cross the channel layer again.
    await newcomer.send({"type": "call.request", "psychologist_id": karim.pk})
    second_call = (await second_workspace.expect("call.ringing"))["call_id"]
    await second_workspace.send({"type": "call.accept", "call_id": second_call})
    await newcomer.expect("call.accepted")
    await newcomer.send({"type": "call.hangup", "call_id": second_call})
    await second_workspace.expect("call.ended")

    for client in (caller, workspace, newcomer, second_workspace):
        await client.connection.close()
    for server in servers:
        log = server.log()
        assert " 500 " not in log and "Traceback" not in log, log
        assert log.count("Redis is unreachable") <= 2, (
            log
        )  # said once (channel layer, cache), not at every send


@pytest.fixture
def sentinel_watched(tmp_path):
    """A Redis master, its replica, and a Sentinel that promotes the replica when the master is gone."""
    need_redis_server()
    master = OwnRedis().start()
    replica = OwnRedis("--replicaof", "127.0.0.1", str(master.port)).start()
    config = tmp_path / "sentinel.conf"
    config.write_text(
        f"sentinel monitor ecoute 127.0.0.1 {master.port} 1\n"
        "sentinel down-after-milliseconds ecoute 1000\nsentinel failover-timeout ecoute 5000\n"
    )
    sentinel = OwnRedis(config=config).start()
    while replica.client().info("replication").get("master_link_status") != "up":
        time.sleep(0.05)
    yield master, replica, sentinel
    for process in (sentinel, replica, master):
        process.stop()


def master_port(sentinel: OwnRedis) -> int:
    return int(sentinel.client().execute_command("SENTINEL", "get-master-addr-by-name", "ecoute")[1])


async def test_the_line_follows_a_redis_failover_through_sentinel_without_restarting(
    live_server_env, sentinel_watched
):
    need_postgres()
    master, replica, sentinel = sentinel_watched
    # REDIS_URL's host leads nowhere: only the Sentinel can say where Redis is.
    env = {
        **live_server_env,
        "REDIS_URL": "redis://127.0.0.1:1/0",
        "ECOUTE_CHANNEL_PREFIX": "sentinel",
        "ECOUTE_REDIS_SENTINELS": f"127.0.0.1:{sentinel.port}",
        "ECOUTE_REDIS_SENTINEL_MASTER": "ecoute",
    }
    first, second = [LiveServer(env, name=f"sentinel-{n}").start() for n in (1, 2)]
    try:
        claire = await sync_to_async(make_psychologist)("Claire")
        caller, workspace, call_id = await connected_call(first, second, claire)
        assert requests.get(f"{first.url}/", timeout=10).status_code == 200
        assert master.client().keys("ecoute:*"), "the cache did not find the master through the Sentinel"

        master.stop()
        while master_port(sentinel) != replica.port:  # the Sentinel promotes the replica
            await asyncio.sleep(0.2)

        async with asyncio.timeout(30):  # signalling crosses the new master between the two processes
            while True:
                await caller.send({"type": "signal", "call_id": call_id, "signal": OFFER})
                try:
                    if (await workspace.expect("signal", timeout=0.5))["signal"] == OFFER:
                        break
                except TimeoutError:
                    pass
        assert await call_state(call_id) == CallState.CONNECTED
        async with asyncio.timeout(30):  # the cache writes to the new master too
            while not replica.client().keys("ecoute:*"):
                assert (
                    await sync_to_async(requests.get)(f"{second.url}/connexion/", timeout=10)
                ).status_code == 200
                await asyncio.sleep(0.5)
        await caller.send({"type": "call.hangup", "call_id": call_id})
        await workspace.expect("call.ended")
        await caller.connection.close()
        await workspace.connection.close()
    finally:
        first.stop()
        second.stop()
    for server in (first, second):
        assert " 500 " not in server.log() and "Traceback" not in server.log(), server.log()
