"""Callers' addresses never enter the application: not in a request, a model, a log or an error report.

ForgetClientAddress removes the peer address and every proxy header that repeats it before Django
or Channels see the connection. AccessLog is the platform's only access log (the servers' own are
switched off) and writes method, path without query string, status and duration: nothing else.

Uvicorn itself holds the address before the application does, and logs it with each websocket
handshake. So every process logs through one configuration, ecoute/logging.json (Uvicorn's
`--log-config` in every command that starts a server, and Django's LOGGING), whose one handler
passes each record through ScrubAddresses: uvicorn's handshake lines are dropped, and any IPv4 or
IPv6 address or query string left in a message or a traceback is blanked before it is written. The
same scrubbing runs as each record is made (the log record factory), so a handler that a library
adds by itself later writes no address either.
"""

import ipaddress
import json
import logging
import logging.config
import re
import time
from pathlib import Path

LOGGING_CONFIG = Path(__file__).resolve().parents[1] / "logging.json"
BLANK_ADDRESS = "[adresse]"
_IPV4 = re.compile(r"(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?![\w.])")
# Candidates only: anything with two colons; ipaddress decides (a clock time "12:30:45" is not one).
_IPV6_CANDIDATE = re.compile(r"(?<![\w:])[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}(?![\w:])")
_QUERY_STRING = re.compile(r"(/[^\s?\"']*)\?[^\s\"']*")

access_logger = logging.getLogger("ecoute.access")

# Headers by which proxies pass on the original client address.
ADDRESS_HEADERS = {
    b"x-forwarded-for",
    b"x-real-ip",
    b"forwarded",
    b"true-client-ip",
    b"cf-connecting-ip",
    b"x-client-ip",
}


class ForgetClientAddress:
    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] in ("http", "websocket"):
            scope = dict(scope)
            scope["client"] = None
            scope["headers"] = [
                (name, value)
                for name, value in scope.get("headers", [])
                if name.lower() not in ADDRESS_HEADERS
            ]
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


def scrub(text: str) -> str:
    """The text with every IP address blanked and every URL's query string removed."""
    text = _IPV4.sub(BLANK_ADDRESS, text)
    text = _IPV6_CANDIDATE.sub(_blank_if_ipv6, text)
    return _QUERY_STRING.sub(r"\1", text)


def _blank_if_ipv6(match: re.Match) -> str:
    try:
        ipaddress.IPv6Address(match.group(0))
    except ValueError:
        return match.group(0)
    return BLANK_ADDRESS


def scrub_record(record: logging.LogRecord) -> None:
    """Blank every address and query string in RECORD's message, traceback and stack, in place."""
    try:
        message = scrub(record.getMessage())
    except (TypeError, ValueError):  # a malformed call: logging would report it, not raise in the caller
        message = scrub(f"{record.msg} {record.args}")
    if record.exc_info and not record.exc_text:
        record.exc_text = logging.Formatter().formatException(record.exc_info)
    record.msg, record.args, record.exc_info = message, None, None
    record.exc_text = scrub(record.exc_text) if record.exc_text else record.exc_text
    record.stack_info = scrub(record.stack_info) if record.stack_info else record.stack_info
    record.__dict__.pop("color_message", None)  # uvicorn's coloured copy of the message


def _scrubbed_at_creation(make_record):
    """A log record factory: a record is scrubbed as it is made, whatever handler later writes it."""

    def factory(*args, **kwargs):
        record = make_record(*args, **kwargs)
        scrub_record(record)
        return record

    factory.scrubs_addresses = True
    return factory


class ScrubAddresses(logging.Filter):
    """On the log handler: no record is written with an address or a query string in it."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name.startswith("uvicorn") and '"WebSocket ' in str(record.msg):
            return False  # uvicorn's line per handshake (address, path and query): AccessLog writes ours
        scrub_record(record)
        return True


def logging_config(level: str = "INFO") -> dict:
    """Django's LOGGING: the very file Uvicorn is given, with the root level of this deployment."""
    config = json.loads(LOGGING_CONFIG.read_text())
    config["root"]["level"] = level
    return config


def configure_logging(config: dict) -> None:
    """Django's LOGGING_CONFIG: apply CONFIG, then take from every logger any handler but root's.

    Django installs its own console handler (DEFAULT_LOGGING, unfiltered) before LOGGING, and Uvicorn
    its own when started without --log-config: their records now reach the filtered root handler instead.
    """
    logging.config.dictConfig(config)
    # A library may still add a handler of its own later (redis-py does, for "push_response"):
    # records are scrubbed when they are made, so that handler writes no address either.
    if not getattr(logging.getLogRecordFactory(), "scrubs_addresses", False):
        logging.setLogRecordFactory(_scrubbed_at_creation(logging.getLogRecordFactory()))
    logging.captureWarnings(True)  # Python's warnings too go through the handler, not straight to stderr
    ours = set(logging.root.handlers)
    for logger in list(logging.root.manager.loggerDict.values()):
        if not isinstance(logger, logging.Logger):
            continue
        foreign = [handler for handler in logger.handlers if handler not in ours]
        for handler in foreign:
            logger.removeHandler(handler)
        if foreign and not logger.handlers:
            logger.propagate = True
