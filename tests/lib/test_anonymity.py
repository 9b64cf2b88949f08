"""A caller's address never enters the application, its database or its logs."""

import logging

import pytest
from asgiref.testing import ApplicationCommunicator
from django.apps import apps
from django.db import models

from ecoute.asgi import application
from ecoute.lib.anonymity import ForgetClientAddress

ADDRESS = "203.0.113.77"
PROXY_HEADERS = [(b"x-forwarded-for", ADDRESS.encode()), (b"x-real-ip", ADDRESS.encode()), (b"forwarded", f"for={ADDRESS}".encode())]


def http_scope(path: str) -> dict:
    return {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
        "path": path, "raw_path": path.encode(), "query_string": b"key=secret", "root_path": "",
        "headers": [(b"host", b"localhost"), *PROXY_HEADERS], "client": (ADDRESS, 51234), "server": ("127.0.0.1", 8000),
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
            if isinstance(field, models.GenericIPAddressField) or any(part in name.lower().split("_") for part in ("ip", "addr", "ipaddress")):
                suspicious.append(f"{model._meta.label}.{name}")
    assert suspicious == []


def test_error_reports_have_no_address_to_leak(settings):
    """Django's error e-mails copy request.META; with the scope's client gone, REMOTE_ADDR is empty."""
    from django.core.handlers.asgi import ASGIRequest

    scope = dict(http_scope("/"), client=None)
    request = ASGIRequest(scope, body_file=None)
    assert request.META.get("REMOTE_ADDR") in (None, "")
