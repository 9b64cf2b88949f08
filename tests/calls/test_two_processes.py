"""Two server processes, one PostgreSQL, one Redis: presence and calls cross from one to the other.

Real uvicorn processes and real websocket clients: a caller connected to one process talks to a
psychologist connected to the other, as behind a load balancer.
"""

import asyncio
import json
import secrets

import pytest
import websockets
from asgiref.sync import sync_to_async

from ecoute.calls.models import Call, CallState
from tests.support.backends import need_postgres, need_redis
from tests.support.cast import make_psychologist
from tests.support.live import LiveServer
from tests.support.twofactor import verified_session_cookie

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]

OFFER = {"description": {"type": "offer", "sdp": "v=0\r\no=- 1 2 IN IP4 0.0.0.0\r\ns=-\r\n"}}


@pytest.fixture
def two_servers(live_server_env, settings):
    need_postgres()
    need_redis()
    env = {
        **live_server_env,
        "REDIS_URL": settings.REDIS_URL,
        "ECOUTE_CHANNEL_PREFIX": f"two-{secrets.token_hex(4)}",
    }
    servers = [LiveServer(env, name=f"process-{n}").start() for n in (1, 2)]
    yield servers
    for server in servers:
        server.stop()


class Client:
    def __init__(self, connection):
        self.connection = connection

    async def send(self, event: dict) -> None:
        await self.connection.send(json.dumps(event))

    async def expect(self, kind: str, timeout: float = 5) -> dict:
        async with asyncio.timeout(timeout):
            while True:
                event = json.loads(await self.connection.recv())
                if event["type"] == kind:
                    return event

    async def board_shows(self, psychologist_id: int, status: str, timeout: float = 5) -> None:
        async with asyncio.timeout(timeout):
            while True:
                changes = (await self.expect("presence", timeout))["changes"]
                if {"id": psychologist_id, "status": status} in [
                    {"id": c["id"], "status": c["status"]} for c in changes
                ]:
                    return


async def open_socket(server: LiveServer, path: str, cookie: str | None = None) -> Client:
    headers = {"Origin": server.url}
    if cookie:
        headers["Cookie"] = f"sessionid={cookie}"
    connection = await websockets.connect(f"ws://localhost:{server.port}{path}", additional_headers=headers)
    return Client(connection)


async def test_a_caller_on_one_process_talks_to_a_psychologist_on_the_other(two_servers):
    first, second = two_servers
    claire = await sync_to_async(make_psychologist)("Claire")
    cookie = await sync_to_async(verified_session_cookie)(claire)

    caller = await open_socket(first, "/ws/line/")
    await caller.expect("presence")  # subscribed on the first process
    workspace = await open_socket(second, "/ws/workspace/", cookie)
    await workspace.expect("presence.self")
    await workspace.send({"type": "status.set", "status": "available"})

    await caller.board_shows(claire.pk, "available")  # changed on the second process, seen on the first

    await caller.send({"type": "call.request", "psychologist_id": claire.pk})
    call_id = (await workspace.expect("call.ringing"))["call_id"]
    await workspace.send({"type": "call.accept", "call_id": call_id})
    await caller.expect("call.accepted")
    await caller.send({"type": "signal", "call_id": call_id, "signal": OFFER})
    assert (await workspace.expect("signal"))["signal"] == OFFER
    await caller.send({"type": "call.hangup", "call_id": call_id})
    await workspace.expect("call.ended")

    call = await sync_to_async(Call.objects.get)(pk=call_id)
    assert call.state == CallState.ENDED and call.answered_at
    await caller.connection.close()
    await workspace.connection.close()
