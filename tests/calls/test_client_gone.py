"""A client that closes its socket while the server is still answering it: what it sent before
closing still counts, and the close is handled as any other.

Real uvicorn process, real websocket clients: the server's send to a socket whose client has gone
raises inside uvicorn, which must not end the socket's handling before its hang-up and its
disconnect have run (ecoute/lib/sockets.py).
"""

import asyncio
import json
import secrets
import uuid

import pytest
import websockets

from ecoute.calls.models import Call, CallState, EndReason, Ring, RingOutcome
from ecoute.presence.models import Status
from tests.support.backends import need_postgres, need_redis
from tests.support.cast import make_psychologist
from tests.support.live import LiveServer
from tests.support.waiting import wait_for

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]

NETWORK = "198.51.100.77"  # one caller's network, as nginx passes it on
SOCKETS_PER_SOURCE = 3


@pytest.fixture
def server(live_server_env, settings):
    need_postgres()
    need_redis()
    env = {
        **live_server_env,
        "REDIS_URL": settings.REDIS_URL,
        "ECOUTE_CHANNEL_PREFIX": f"gone-{secrets.token_hex(4)}",
        "ECOUTE_TRUSTED_PROXIES": "127.0.0.1",
        "ECOUTE_ABUSE_SOCKETS_PER_SOURCE": str(SOCKETS_PER_SOURCE),
        "ECOUTE_RING_TIMEOUT": "600",  # a ring left behind would ring on for the whole test
        "ECOUTE_CALLER_TIMEOUT": "600",
        "ECOUTE_PRESENCE_TIMEOUT": "600",  # no workspace sends heartbeats here
    }
    live = LiveServer(env, name="client-gone").start()
    yield live
    live.stop()


def open_socket(server):
    headers = {"Origin": server.url, "X-Forwarded-For": NETWORK}
    return websockets.connect(f"ws://localhost:{server.port}/ws/line/", additional_headers=headers)


async def first_event(connection) -> dict:
    async with asyncio.timeout(60):  # bounds a stalled run only
        return json.loads(await connection.recv())


@pytest.mark.asyncio
async def test_a_caller_who_hangs_up_as_the_call_starts_ringing_ends_it(server):
    claire = await asyncio.to_thread(make_psychologist, "Claire", Status.AVAILABLE)
    call_id = str(uuid.uuid4())
    async with open_socket(server) as connection:
        await first_event(connection)  # the board
        await connection.send(json.dumps({"type": "hello", "caller_key": secrets.token_urlsafe(32)}))
        await first_event(connection)
        # Talk now, then hang up and close at once, before the server's answer to the join.
        await connection.send(json.dumps({"type": "queue.join", "call_id": call_id}))
        await connection.send(json.dumps({"type": "call.hangup", "call_id": call_id}))

    def ended():
        return Call.objects.filter(pk=call_id, state=CallState.ABANDONED).first()

    call = await asyncio.to_thread(wait_for, ended, while_running=server.process)
    assert call.end_reason == EndReason.CALLER_LEFT
    rings = await asyncio.to_thread(lambda: list(Ring.objects.filter(psychologist=claire)))
    assert all(ring.outcome == RingOutcome.CANCELLED for ring in rings)  # none left ringing on


@pytest.mark.asyncio
async def test_sockets_closed_during_their_first_second_are_not_counted_against_their_network(server):
    # A phone on a poor network opens and drops the app's socket again and again. Each close is
    # handled (the count goes down) even when it comes while the server sends the board.
    for opened in range(1, 6 * SOCKETS_PER_SOURCE + 1):
        async with open_socket(server):
            pass  # closed right after the handshake, before the board arrives
        # One at a time: the next opens once the server has finished with this one.
        await asyncio.to_thread(
            wait_for, lambda: server.finished_sockets() >= opened, while_running=server.process
        )
    async with open_socket(server) as connection:
        event = await first_event(connection)
    assert event["type"] == "presence", event  # not "too many connections from your network"
