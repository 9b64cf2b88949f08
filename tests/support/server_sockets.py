"""A websocket client for tests against a real server process (tests/support/live.py)."""

import asyncio
import json

import websockets

from .live import LiveServer
from .protocol import check_event, socket_of


class ServerSocket:
    """A connection that keeps every event it receives, so that a test can look back at them."""

    def __init__(self, connection, socket: str | None = None):
        self.connection = connection
        self.socket = socket  # its name in the protocol: every event received is checked against it
        self.seen: list[dict] = []

    async def send(self, event: dict) -> None:
        await self.connection.send(json.dumps(event))

    async def expect(self, kind: str, timeout: float = 10) -> dict:
        async with asyncio.timeout(timeout):
            while True:
                event = check_event(self.socket, json.loads(await self.connection.recv()))
                self.seen.append(event)
                if event["type"] == kind:
                    return event

    async def still_answers(self) -> None:
        """The consumer is alive: a message it refuses comes back as an error event, on the same socket."""
        await self.send({"type": "no.such.message"})
        assert (await self.expect("error"))["code"] == "unknown_type"

    def saw(self, kind: str) -> bool:
        return any(event["type"] == kind for event in self.seen)


async def open_socket(server: LiveServer, path: str, cookie: str | None = None) -> ServerSocket:
    headers = {"Origin": server.url}
    if cookie:
        headers["Cookie"] = f"sessionid={cookie}"
    return ServerSocket(
        await websockets.connect(f"ws://localhost:{server.port}{path}", additional_headers=headers),
        socket_of(path),
    )
