"""The board's fan-out: one subscription per process, changes merged, JSON made once."""

import asyncio
import json

import pytest
from channels.layers import get_channel_layer

from ecoute.presence.actions import BOARD_GROUP
from ecoute.presence.fanout import BoardFanout

pytestmark = pytest.mark.asyncio


class Watcher:
    """Stands for a consumer: the fan-out writes websocket.send messages to its ASGI send."""

    def __init__(self):
        self.frames: list[str] = []

    async def base_send(self, message):
        assert message["type"] == "websocket.send"
        self.frames.append(message["text"])


class BrokenWatcher:
    async def base_send(self, message):
        raise ConnectionResetError


async def publish(changes):
    await get_channel_layer().group_send(BOARD_GROUP, {"type": "board.changes", "changes": changes})


async def settle():
    await asyncio.sleep(0.1)


async def test_every_watcher_gets_the_same_frame_once(settings):
    fanout, watchers = BoardFanout(), [Watcher() for _ in range(200)]
    for watcher in watchers:
        await fanout.watch(watcher)
    await publish([{"id": 1, "status": "available", "version": 4}])
    await settle()
    frames = {frame for watcher in watchers for frame in watcher.frames}
    assert len(frames) == 1 and all(len(w.frames) == 1 for w in watchers)
    assert json.loads(frames.pop()) == {
        "type": "presence",
        "changes": [{"id": 1, "status": "available", "version": 4}],
    }


async def test_a_burst_of_changes_is_merged_keeping_the_newest_state_of_each_psychologist(settings):
    settings.ECOUTE_BOARD_COALESCE_MS = 50
    fanout, watcher = BoardFanout(), Watcher()
    await fanout.watch(watcher)
    for version in range(1, 21):
        await publish(
            [{"id": version % 2, "status": "busy" if version % 4 else "available", "version": version}]
        )
    await asyncio.sleep(0.2)
    changes = {}
    for frame in watcher.frames:
        for change in json.loads(frame)["changes"]:
            changes[change["id"]] = change
    assert len(watcher.frames) < 20
    assert changes == {
        0: {"id": 0, "status": "available", "version": 20},
        1: {"id": 1, "status": "busy", "version": 19},
    }


async def test_a_broken_socket_does_not_keep_the_others_uninformed():
    fanout, good = BoardFanout(), Watcher()
    await fanout.watch(BrokenWatcher())
    await fanout.watch(good)
    await publish([{"id": 7, "status": "away", "version": 2}])
    await settle()
    assert len(good.frames) == 1 and len(fanout.watchers) == 1


async def test_a_watcher_that_left_gets_nothing_more():
    fanout, watcher = BoardFanout(), Watcher()
    await fanout.watch(watcher)
    fanout.unwatch(watcher)
    await publish([{"id": 7, "status": "away", "version": 2}])
    await settle()
    assert watcher.frames == []


async def test_frames_go_through_the_servers_own_send_when_the_scope_has_it(settings):
    """Through the server, the fan-out writes with the send kept outermost (ecoute/lib/frame_send.py),
    past the per-frame wrappers of the session and the access log."""
    from ecoute.lib.frame_send import SCOPE_KEY

    fanout, wrapped, raw = BoardFanout(), Watcher(), Watcher()
    wrapped.scope = {SCOPE_KEY: raw.base_send}
    await fanout.watch(wrapped)
    await publish([{"id": 1, "status": "available", "version": 1}])
    await settle()
    assert len(raw.frames) == 1 and wrapped.frames == []
