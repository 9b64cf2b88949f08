"""Websocket clients for the consumer tests: Channels' communicator on the real ASGI application."""

import asyncio
import json

from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator

from ecoute.asgi import application
from tests.support.protocol import check_event, socket_of
from tests.support.twofactor import verified_session_cookie

ORIGIN = (b"origin", b"http://localhost")


class Socket:
    """A connected websocket that reads JSON events, skipping the ones a test does not ask about."""

    def __init__(self, communicator: WebsocketCommunicator, socket: str | None = None):
        self.communicator = communicator
        self.socket = socket  # its name in the protocol: every event received is checked against it

    async def send(self, event) -> None:
        await self.communicator.send_to(text_data=event if isinstance(event, str) else json.dumps(event))

    async def receive(self, timeout: float = 3) -> dict:
        return check_event(self.socket, json.loads(await self.communicator.receive_from(timeout)))

    async def expect(self, kind: str, timeout: float = 3) -> dict:
        """The next event of type KIND; others in between are dropped."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                raise AssertionError(f"no {kind!r} event within {timeout} s")
            event = await self.receive(remaining)
            if event["type"] == kind:
                return event

    async def nothing_more(self, kind: str | None = None, wait: float = 0.3) -> None:
        """Assert that no event (of KIND, if given) arrives within WAIT seconds."""
        deadline = asyncio.get_running_loop().time() + wait
        while (remaining := deadline - asyncio.get_running_loop().time()) > 0:
            try:
                event = await self.receive(remaining)
            except TimeoutError:
                return
            assert kind is not None and event["type"] != kind, f"unexpected event: {event}"

    async def close(self) -> None:
        await self.communicator.disconnect()


async def connect(path: str, user=None) -> Socket:
    headers = [ORIGIN]
    if user is not None:
        cookie = await sync_to_async(_session_cookie)(user)
        headers.append((b"cookie", f"sessionid={cookie}".encode()))
    communicator = WebsocketCommunicator(application, path, headers=headers)
    connected, _ = await communicator.connect(timeout=5)
    assert connected, f"{path} refused the connection"
    return Socket(communicator, socket_of(path))


def _session_cookie(user) -> str:
    """A staff session as the login pages leave it: password and second factor passed."""
    return verified_session_cookie(user)


async def connect_caller(caller_key: str = "c" * 43) -> Socket:
    caller = await connect("/ws/line/")
    await caller.expect("presence")  # the snapshot every caller gets first
    await caller.send({"type": "hello", "caller_key": caller_key})
    await caller.expect("hello")
    return caller


async def connect_workspace(user) -> Socket:
    workspace = await connect("/ws/workspace/", user)
    await workspace.expect("presence.self")
    return workspace
