"""Callers' addresses never enter the application: not in a request, a model, a log or an error report.

ForgetClientAddress removes the peer address and every proxy header that repeats it before Django
or Channels see the connection. AccessLog is the platform's only access log (the servers' own are
switched off) and writes method, path without query string, status and duration: nothing else.
"""

import logging
import time

access_logger = logging.getLogger("ecoute.access")

# Headers by which proxies pass on the original client address.
ADDRESS_HEADERS = {b"x-forwarded-for", b"x-real-ip", b"forwarded", b"true-client-ip", b"cf-connecting-ip", b"x-client-ip"}


class ForgetClientAddress:
    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] in ("http", "websocket"):
            scope = dict(scope)
            scope["client"] = None
            scope["headers"] = [(name, value) for name, value in scope.get("headers", []) if name.lower() not in ADDRESS_HEADERS]
        await self.app(scope, receive, send)


class AccessLog:
    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] not in ("http", "websocket"):
            return await self.app(scope, receive, send)
        started = time.monotonic()
        outcome = {"status": "-"}

        async def recording_send(message):
            kind = message["type"]
            if kind == "http.response.start":
                outcome["status"] = message["status"]
            elif kind == "websocket.accept":
                outcome["status"] = 101
            elif kind == "websocket.close" and outcome["status"] == "-":
                outcome["status"] = 403
            await send(message)

        try:
            await self.app(scope, receive, recording_send)
        finally:
            method = scope.get("method", "WS")
            elapsed = (time.monotonic() - started) * 1000
            access_logger.info("%s %s %s %.0fms", method, scope.get("path", ""), outcome["status"], elapsed)
