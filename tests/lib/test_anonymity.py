"""A caller's address never enters the application, its database or its logs."""

import io
import logging
import sys

import pytest
from asgiref.testing import ApplicationCommunicator
from django.apps import apps
from django.db import models

from ecoute.asgi import application
from ecoute.lib.anonymity import ForgetClientAddress, ScrubAddresses

ADDRESS = "203.0.113.77"
PROXY_HEADERS = [
    (b"x-forwarded-for", ADDRESS.encode()),
    (b"x-real-ip", ADDRESS.encode()),
    (b"forwarded", f"for={ADDRESS}".encode()),
]


def http_scope(path: str) -> dict:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"key=secret",
        "root_path": "",
        "headers": [(b"host", b"localhost"), *PROXY_HEADERS],
        "client": (ADDRESS, 51234),
        "server": ("127.0.0.1", 8000),
    }


async def test_the_application_never_sees_the_peer_address_nor_proxy_headers():
    seen = {}

    async def inner(scope, receive, send):
        seen.update(scope)

    await ForgetClientAddress(inner)(http_scope("/"), None, None)
    assert seen["client"] is None
    assert ADDRESS.encode() not in b"".join(value for _, value in seen["headers"])


@pytest.mark.django_db(transaction=True)
async def test_a_request_through_the_whole_application_logs_no_address_and_no_query(caplog):
    caplog.set_level(logging.DEBUG)
    communicator = ApplicationCommunicator(application, http_scope("/page-qui-n-existe-pas/"))
    await communicator.send_input({"type": "http.request", "body": b""})
    start = await communicator.receive_output(5)
    assert start["status"] == 404
    await communicator.wait(5)
    assert "GET /page-qui-n-existe-pas/ 404" in caplog.text
    assert ADDRESS not in caplog.text and "secret" not in caplog.text


def test_no_model_has_a_field_for_network_addresses():
    suspicious = []
    for model in apps.get_models():
        for field in model._meta.get_fields():
            name = getattr(field, "name", "")
            if isinstance(field, models.GenericIPAddressField) or any(
                part in name.lower().split("_") for part in ("ip", "addr", "ipaddress")
            ):
                suspicious.append(f"{model._meta.label}.{name}")
    assert suspicious == []


def test_error_reports_have_no_address_to_leak(settings):
    """Django's error e-mails copy request.META; with the scope's client gone, REMOTE_ADDR is empty."""
    from django.core.handlers.asgi import ASGIRequest

    scope = dict(http_scope("/"), client=None)
    request = ASGIRequest(scope, body_file=None)
    assert request.META.get("REMOTE_ADDR") in (None, "")


def record(message: str, *args, name: str = "ecoute.test", exc_info=None) -> logging.LogRecord:
    return logging.LogRecord(name, logging.ERROR, __file__, 1, message, args, exc_info)


def test_uvicorns_line_per_websocket_handshake_is_never_written():
    """uvicorn logs the peer (or, with proxy headers, X-Forwarded-For) and the query of every handshake."""
    handshake = record(
        '%s - "WebSocket %s" [accepted]', f"{ADDRESS}:0", "/ws/line/?key=secret", name="uvicorn.error"
    )
    assert ScrubAddresses().filter(handshake) is False


@pytest.mark.parametrize(
    "message, written",
    [
        (f"peer {ADDRESS}:51234 gone", "peer [adresse]:51234 gone"),
        ("from 2001:db8::7 and [fe80::1]:443", "from [adresse] and [[adresse]]:443"),
        (f"mapped ::ffff:{ADDRESS}", "mapped ::ffff:[adresse]"),
        ('"GET /orientation/?q=33000&lat=44.8 HTTP/1.1"', '"GET /orientation/ HTTP/1.1"'),
        ("at 12:30:45, version 5.2 of 10 workers", "at 12:30:45, version 5.2 of 10 workers"),
    ],
)
def test_addresses_and_query_strings_are_blanked_in_every_message(message, written):
    entry = record("%s", message)
    assert ScrubAddresses().filter(entry) is True
    assert entry.getMessage() == written


def test_a_traceback_is_written_without_the_addresses_its_exception_holds():
    try:
        raise ConnectionError(f"connection to server at {ADDRESS} failed; see /x/?token=secret")
    except ConnectionError:
        entry = record("the timers failed", exc_info=sys.exc_info())
    ScrubAddresses().filter(entry)
    written = logging.Formatter().format(entry)
    assert "ConnectionError: connection to server at [adresse] failed; see /x/" in written
    assert ADDRESS not in written and "secret" not in written


def test_every_logger_writes_through_the_filter_or_scrubs_at_creation():
    """By construction: Django's own console handler, uvicorn's are gone; root's scrubs; and a handler
    that a library adds by itself later (redis-py's "push_response" does) gets scrubbed records too."""
    ours = [
        handler
        for handler in logging.root.handlers
        if any(isinstance(f, ScrubAddresses) for f in handler.filters)
    ]
    assert ours, "the root logger has no scrubbing handler"
    library = logging.getLogger("a-library-of-its-own")
    written = io.StringIO()
    handler = logging.StreamHandler(written)
    library.addHandler(handler)
    try:
        library.warning("push response from %s: GET /?q=1", ADDRESS)
    finally:
        library.removeHandler(handler)
    assert ADDRESS not in written.getvalue() and "q=1" not in written.getvalue()
    assert "[adresse]" in written.getvalue()


def test_a_malformed_log_call_is_written_scrubbed_instead_of_raising():
    entry = record("%s and %s", ADDRESS)
    assert ScrubAddresses().filter(entry) is True and ADDRESS not in entry.getMessage()
