"""The server's own send of each websocket, and one frame written to thousands of sockets.

A consumer's send passes through every ASGI wrapper around it (the session's, the access log's), each
a coroutine call per frame: a quarter of the board's send path with 10,000 watchers
(docs/performance.md). Those wrappers only care about the opening and closing of a connection, never
about the frames in between; the board's fan-out (ecoute/presence/fanout.py) writes its frames with
the send kept here, outermost, for each websocket.

Even the server's own send made each socket's frame anew: the text encoded, a websockets frame object
built and serialised, per socket, though the bytes are the same for every socket of a process. So
`write_to_all` serialises the frame once and writes the bytes to each socket's transport, where
nothing else would change them: Uvicorn's websocket, open, not paused by flow control, without a
negotiated extension (the servers run without per-message compression: tools/server_command.py).
Any other socket (a test's consumer, another server, a paused socket) gets the frame by its send,
after the others, so that one slow socket never delays the rest.
"""

from websockets.frames import Frame, Opcode
from websockets.protocol import State

SCOPE_KEY = "ecoute.frame_send"


class KeepFrameSend:
    """ASGI middleware, outermost: keeps the server's send of each websocket in its scope."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] == "websocket":
            scope = {**scope, SCOPE_KEY: send}
        return await self.app(scope, receive, send)


def frame_send(consumer):
    """The send that writes a data frame to CONSUMER's socket with the fewest wrappers on the way."""
    scope = getattr(consumer, "scope", None) or {}  # a consumer outside the server (tests) has none
    return scope.get(SCOPE_KEY) or consumer.base_send


def text_frame(text: str) -> bytes:
    """TEXT as the bytes of one websocket text frame from a server (unmasked, RFC 6455)."""
    return Frame(Opcode.TEXT, text.encode()).serialize(mask=False)


def bare_transport(send):
    """The transport under SEND when a serialised frame may be written to it as it is, else None.

    SEND must be Uvicorn's websocket (its websockets sans-I/O implementation) with the connection
    open, no extension negotiated (a compressed socket needs a frame of its own), no fragmented
    message under way, not closing, and its write buffer not over its limit (flow control).
    """
    protocol = getattr(send, "__self__", None)
    connection = getattr(protocol, "conn", None)
    transport = getattr(protocol, "transport", None)
    if connection is None or transport is None or getattr(connection, "state", None) is not State.OPEN:
        return None
    if connection.extensions or connection.expect_continuation_frame:
        return None
    if protocol.close_sent or protocol.disconnected or not protocol.writable.is_set():
        return None
    return None if transport.is_closing() else transport


async def write_to_all(consumers, text: str) -> list:
    """Write TEXT as one frame to each of CONSUMERS' sockets; return those that could not be written to."""
    frame, broken, by_send = text_frame(text), [], []
    for consumer in consumers:
        send = frame_send(consumer)
        transport = bare_transport(send)
        if transport is None:
            by_send.append((consumer, send))
            continue
        try:
            transport.write(frame)
        except Exception:  # one broken socket must not keep the others uninformed
            broken.append(consumer)
    message = {"type": "websocket.send", "text": text}
    for consumer, send in by_send:
        try:
            await send(message)
        except Exception:
            broken.append(consumer)
    return broken
