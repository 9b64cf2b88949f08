"""The server's own send of each websocket, for the fan-outs that write one frame to thousands of sockets.

A consumer's send passes through every ASGI wrapper around it (the session's, the access log's), each
a coroutine call per frame: a quarter of the board's send path with 10,000 watchers
(docs/performance.md). Those wrappers only care about the opening and closing of a connection, never
about the frames in between; the board's fan-out (ecoute/presence/fanout.py) writes its frames with
the send kept here, outermost, for each websocket.
"""

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
