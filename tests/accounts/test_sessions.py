"""Staff sessions end after a spell without activity and after a fixed lifetime; the workspace's
heartbeat while on duty is activity; an ended session closes the workspace's socket."""

import asyncio
import time

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.contrib.sessions.backends.db import SessionStore
from django.test import Client

from ecoute.accounts import sessions
from ecoute.asgi import application
from ecoute.presence.models import Status
from ecoute.security.models import SecurityEvent, SecurityEventKind
from tests.support.cast import make_psychologist
from tests.support.twofactor import log_in

pytestmark = pytest.mark.django_db


def age(session_key: str, **seconds_ago) -> None:
    """Move the session's clocks back, as if that much time had passed."""
    store = SessionStore(session_key)
    for name, ago in seconds_ago.items():
        store[getattr(sessions, name)] = time.time() - ago
    store.save()


def stamp(session_key: str, name: str) -> float:
    return SessionStore(session_key)[getattr(sessions, name)]


def test_a_session_idle_for_longer_than_allowed_ends_and_sends_to_the_login(client, settings):
    claire = make_psychologist("Claire")
    log_in(client, claire)
    assert client.get("/espace/fiches/").status_code == 200
    age(client.session.session_key, ACTIVE=settings.ECOUTE_STAFF_IDLE_MINUTES * 60 + 5)
    ended = client.get("/espace/fiches/")
    assert ended.status_code == 302 and ended["Location"].startswith("/connexion/?next=/espace/fiches/")
    assert client.get("/espace/fiches/").status_code == 302  # logged out for good
    event = SecurityEvent.objects.get(kind=SecurityEventKind.LOGOUT)
    assert event.actor == claire and event.details["reason"] == "idle"


def test_a_session_ends_after_its_lifetime_however_active(client, settings):
    claire = make_psychologist("Claire")
    log_in(client, claire)
    age(client.session.session_key, STARTED=settings.ECOUTE_STAFF_SESSION_HOURS * 3600 + 5, ACTIVE=0)
    assert client.get("/espace/fiches/").status_code == 302
    assert SecurityEvent.objects.get(kind=SecurityEventKind.LOGOUT).details["reason"] == "lifetime"


def test_a_request_is_activity_and_a_panel_of_an_ended_session_is_told_so(client, settings):
    claire = make_psychologist("Claire")
    log_in(client, claire)
    key = client.session.session_key
    age(key, ACTIVE=settings.ECOUTE_STAFF_IDLE_MINUTES * 60 - 30)
    assert client.get("/espace/fiches/").status_code == 200
    assert time.time() - stamp(key, "ACTIVE") < 5  # the idle clock starts again
    age(key, ACTIVE=settings.ECOUTE_STAFF_IDLE_MINUTES * 60 + 5)
    assert client.get("/espace/fiches/a-remplir/", HTTP_X_ECOUTE_PARTIAL="1").status_code == 401


async def close_code(communicator: WebsocketCommunicator) -> int:
    """Read the socket's frames until the server closes it; its close code."""
    while True:
        message = await communicator.receive_output(5)
        if message["type"] == "websocket.close":
            return message["code"]


@pytest.mark.django_db(transaction=True)
async def test_the_workspace_heartbeat_on_duty_is_activity_and_an_ended_session_closes_the_socket(
    settings, monkeypatch
):
    monkeypatch.setattr(
        sessions, "TOUCH_SECONDS", 0
    )  # every heartbeat looks at the session, not once a minute
    claire = await sync_to_async(make_psychologist)("Claire")
    client = await sync_to_async(lambda: log_in(Client(), claire))()
    key = client.cookies["sessionid"].value
    headers = [(b"origin", b"http://localhost"), (b"cookie", f"sessionid={key}".encode())]
    socket = WebsocketCommunicator(application, "/ws/workspace/", headers=headers)
    assert (await socket.connect(timeout=5))[0]
    await socket.send_json_to({"type": "status.set", "status": Status.AVAILABLE})
    idle_limit = settings.ECOUTE_STAFF_IDLE_MINUTES * 60
    await sync_to_async(age)(key, ACTIVE=idle_limit - 30)
    await socket.send_json_to({"type": "heartbeat"})
    while time.time() - await sync_to_async(stamp)(key, "ACTIVE") > 5:  # until the heartbeat has touched it
        await asyncio.sleep(0.05)
    # Long after, a page still opens: the psychologist on duty was never idle.
    await sync_to_async(age)(key, ACTIVE=60)
    assert (await sync_to_async(client.get)("/espace/fiches/")).status_code == 200

    await socket.send_json_to({"type": "status.set", "status": Status.BREAK})
    await sync_to_async(age)(key, ACTIVE=idle_limit + 5)
    await socket.send_json_to({"type": "heartbeat"})
    assert await close_code(socket) == 4401
    assert (await sync_to_async(client.get)("/espace/")).status_code == 302


def test_logging_out_is_journalled(client):
    claire = make_psychologist("Claire")
    log_in(client, claire)
    assert client.post("/deconnexion/").status_code == 302
    event = SecurityEvent.objects.get(kind=SecurityEventKind.LOGOUT)
    assert event.actor == claire and event.details["reason"] == "asked"


@pytest.mark.django_db(transaction=True)
async def test_an_ended_session_cannot_open_the_workspace_socket(settings):
    claire = await sync_to_async(make_psychologist)("Claire")
    client = await sync_to_async(lambda: log_in(Client(), claire))()
    key = client.cookies["sessionid"].value
    await sync_to_async(age)(key, ACTIVE=settings.ECOUTE_STAFF_IDLE_MINUTES * 60 + 5)
    headers = [(b"origin", b"http://localhost"), (b"cookie", f"sessionid={key}".encode())]
    socket = WebsocketCommunicator(application, "/ws/workspace/", headers=headers)
    connected, code = await socket.connect(timeout=5)
    assert not connected and code == 4403
