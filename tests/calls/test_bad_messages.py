"""A hostile frame gets an error event, never a traceback: deeply nested JSON (which makes Python's
parser give up with RecursionError), NUL characters, identifiers too big for the database."""

import asyncio
import json

import pytest
import websockets
from django.conf import settings

from ecoute.lib.sockets import MAX_DEPTH
from tests.support.sockets import connect_caller

NESTED = "[" * 30_000 + "]" * 30_000  # 60 KB, under the 64 KB frame limit
DEEP_BUT_PARSABLE = json.dumps({"type": "heartbeat", "x": json.loads("[" * 500 + "]" * 500)})


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
@pytest.mark.parametrize(
    "frame, code",
    [
        (NESTED, "bad_json"),
        ('{"type": "hello", "caller_key": ' + "[" * 30_000, "bad_json"),
        (DEEP_BUT_PARSABLE, "too_deep"),
        (json.dumps({"type": "hello", "caller_key": "c" * 40 + "\x00"}), "bad_message"),
        (json.dumps({"type": "queue.join", "language": "fr\x00"}), "bad_message"),
        (json.dumps({"type": "call.request", "psychologist_id": 10**30}), "bad_message"),
    ],
)
async def test_a_hostile_frame_gets_an_error_and_the_socket_stays_usable(frame, code):
    caller = await connect_caller()
    await caller.send(frame)
    error = await caller.expect("error")
    assert error["code"] == code and error["message"]
    await caller.send({"type": "hello", "caller_key": "d" * 43})  # still there, still answering
    await caller.expect("hello")
    await caller.close()


def test_the_depth_limit_leaves_room_for_every_real_message():
    signal = {"type": "signal", "call_id": "x", "signal": {"candidate": {"candidate": "c", "sdpMid": "0"}}}
    assert MAX_DEPTH >= 4 and len(json.dumps(signal)) < 200


@pytest.mark.django_db(transaction=True)
async def test_a_flood_of_nested_frames_leaves_no_traceback_in_the_servers_log(site_server):
    """Any anonymous client can send these: each one once wrote a traceback to the log."""
    async with websockets.connect(
        f"ws://localhost:{site_server.port}/ws/line/", additional_headers={"Origin": site_server.url}
    ) as socket:
        assert json.loads(await socket.recv())["type"] == "presence"
        # As many as the socket's burst allows (ecoute/abuse/limits.py): each one is answered; beyond, one
        # "slow_down" and the rest dropped unread. The bucket refills while they are sent (slowly on a busy
        # machine), so twice the burst is sent and the answers are read up to the "slow_down".
        burst = settings.ECOUTE_ABUSE_MESSAGE_BURST
        for _ in range(2 * burst):
            await socket.send(NESTED)
        codes = []
        while "slow_down" not in codes and len(codes) < 2 * burst:
            codes.append(json.loads(await socket.recv())["code"])
        assert codes[-1] == "slow_down", codes
        assert codes[:-1] == ["bad_json"] * (len(codes) - 1) and len(codes) > burst - 1
        await asyncio.sleep(1)  # the bucket fills again
        await socket.send(json.dumps({"type": "hello", "caller_key": "e" * 43}))
        async with asyncio.timeout(10):
            while json.loads(await socket.recv())["type"] != "hello":
                pass
    log = site_server.log()
    assert "Traceback" not in log and "RecursionError" not in log
