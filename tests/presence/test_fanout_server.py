"""The board's frame through a real server: serialised once, written as it is to every socket.

The fan-out writes the same bytes to each watcher's transport (ecoute/lib/frame_send.py), which is
right only for a socket without compression: the server must never negotiate it, even with a client
that asks for it as browsers do, and what arrives must be a well-formed frame the client reads.
"""

import asyncio
import json

import pytest
import websockets
from channels.layers import get_channel_layer

from ecoute.lib.frame_send import bare_transport, text_frame
from ecoute.presence.actions import BOARD_GROUP
from tests.support.backends import need_postgres, need_redis
from tests.support.live import LiveServer

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def server(live_server_env, settings):
    need_postgres()
    need_redis()
    # The server hears the board group on this process's channel layer: the changes published below.
    prefix = settings.CHANNEL_LAYERS["default"]["CONFIG"]["prefix"]
    running = LiveServer(
        {**live_server_env, "REDIS_URL": settings.REDIS_URL, "ECOUTE_CHANNEL_PREFIX": prefix}, name="board"
    ).start()
    yield running
    running.stop()


async def presence_frame(connection, version: int) -> dict:
    async with asyncio.timeout(10):
        while True:
            event = json.loads(await connection.recv())
            if event["type"] == "presence" and any(c["version"] == version for c in event["changes"]):
                return event


async def publish_until_received(connections, version: int) -> list[dict]:
    """Publish a change (again while the server's subscription is being confirmed) until all have it."""
    change = {"id": 10**9, "status": "away", "version": version}
    waiting = [asyncio.ensure_future(presence_frame(c, version)) for c in connections]
    layer = get_channel_layer()
    async with asyncio.timeout(15):
        while not all(task.done() for task in waiting):
            await layer.group_send(BOARD_GROUP, {"type": "board.changes", "changes": [change]})
            await asyncio.wait(waiting, timeout=0.5)
    return [task.result() for task in waiting]


def test_watchers_asking_for_compression_get_none_and_read_the_shared_frame(server, settings):
    async def watch():
        url = f"ws://localhost:{server.port}/ws/line/"
        origin = websockets.Origin(f"http://localhost:{server.port}")
        asking = await websockets.connect(url, origin=origin, compression="deflate")
        plain = await websockets.connect(url, origin=origin, compression=None)
        try:
            # A browser's offer of permessage-deflate is declined: the frame's bytes can be shared.
            assert asking.response.headers.get("Sec-WebSocket-Extensions") is None
            assert asking.protocol.extensions == []
            return await publish_until_received([asking, plain], 41)
        finally:
            await asking.close()
            await plain.close()

    frames = asyncio.run(watch())
    expected = {"type": "presence", "changes": [{"id": 10**9, "status": "away", "version": 41}]}
    assert frames == [expected, expected]


def test_the_shared_frame_is_the_one_websockets_itself_would_send():
    from websockets.frames import Frame, Opcode
    from websockets.streams import StreamReader

    text = json.dumps({"type": "presence", "changes": [{"id": 1, "status": "disponible ✓", "version": 2}]})
    reader = StreamReader()
    reader.feed_data(text_frame(text))
    parsing = Frame.parse(reader.read_exact, mask=False)
    try:
        next(parsing)
    except StopIteration as done:
        frame = done.value
    assert frame.opcode is Opcode.TEXT and frame.fin and frame.data.decode() == text


def test_a_send_that_is_not_uvicorns_socket_has_no_transport_to_share():
    class Consumer:
        async def base_send(self, message):
            pass

    assert bare_transport(Consumer().base_send) is None
    assert bare_transport(lambda message: None) is None
