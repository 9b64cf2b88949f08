"""Health data is encrypted wherever it rests, and gone after the purge: a canary through a whole call.

A real server process (uvicorn) on the tests' database, with Redis when configured: a caller and a
psychologist talk, the psychologist escalates and flags a life-threatening emergency with a reason,
fills the contact record with a note, a supervisor reads the note with a reason. Every one of these
free texts carries the canary. Then the canary is looked for in plaintext in a dump of the database,
the server's log, every key and value of the Redis database, and every message published on Redis
during the flow: it must be nowhere. The purge, with the clock moved past every retention, must then
leave neither the canary nor the ciphertext that held it.
"""

import asyncio
import json
import secrets
import sqlite3
import subprocess
import threading
from datetime import timedelta

import pytest
import redis
import requests
from django.conf import settings
from django.db import connection
from django.utils import timezone

from ecoute.accounts.models import Language
from ecoute.calls.models import Alert, AlertKind
from ecoute.contacts.models import ContactRecord, EmploymentStatus, NoteRead, Profession, Reason
from ecoute.security import retention
from ecoute.security.models import SecurityEvent, SecurityEventKind
from tests.support.backends import need_redis
from tests.support.cast import make_psychologist
from tests.support.contacts import ensure_taxonomies, make_staff
from tests.support.live import LiveServer
from tests.support.server_sockets import open_socket
from tests.support.twofactor import verified_session_cookie

pytestmark = pytest.mark.django_db(transaction=True)

CANARY = f"CANARI-{secrets.token_hex(6)}"
CALLER_KEY = secrets.token_urlsafe(32)


@pytest.fixture
def server(live_server_env):
    """One server process; with Redis as its channel layer and cache when REDIS_URL is set."""
    if connection.vendor == "postgresql":
        need_redis()  # the production setup: PostgreSQL and Redis together
    env = {**live_server_env, "ECOUTE_CHANNEL_PREFIX": f"canary-{secrets.token_hex(4)}"}
    process = LiveServer(env, name="canary").start()
    yield process
    process.stop()


class PublishedMessages:
    """Every message published on the Redis server while it runs (pub/sub messages are not keys)."""

    def __init__(self):
        self.messages: list[bytes] = []
        self.pubsub = redis.Redis.from_url(settings.REDIS_URL).pubsub()
        self.pubsub.psubscribe("*")
        self.pubsub.get_message(timeout=1)  # the subscription's confirmation
        self.running = True
        self.thread = threading.Thread(target=self._listen, daemon=True)
        self.thread.start()

    def _listen(self) -> None:
        while self.running:
            message = self.pubsub.get_message(timeout=0.1)
            if message and message["type"] == "pmessage":
                self.messages.append(message["data"])

    def stop(self) -> list[bytes]:
        self.running = False
        self.thread.join(2)
        self.pubsub.close()
        return self.messages


async def call_with_escalations(server: LiveServer, psychologist, cookies: dict) -> tuple[str, list[dict]]:
    """Caller and psychologist talk; the psychologist asks for help and flags an emergency; hang up."""
    caller = await open_socket(server, "/ws/line/")
    await caller.expect("presence")
    await caller.send({"type": "hello", "caller_key": CALLER_KEY})
    await caller.expect("hello")
    board = await open_socket(server, "/ws/supervision/", cookies["supervisor"])
    workspace = await open_socket(server, "/ws/workspace/", cookies["psychologist"])
    await workspace.expect("presence.self")
    await workspace.send({"type": "status.set", "status": "available"})
    while {"id": psychologist.pk, "status": "available"} not in [
        {"id": change["id"], "status": change["status"]}
        for change in (await caller.expect("presence"))["changes"]
    ]:
        pass
    await caller.send({"type": "call.request", "psychologist_id": psychologist.pk})
    call_id = (await workspace.expect("call.ringing"))["call_id"]
    await workspace.send({"type": "call.accept", "call_id": call_id})
    await caller.expect("call.accepted")

    await workspace.send(
        {
            "type": "call.escalate",
            "call_id": call_id,
            "kind": "help",
            "reason": f"{CANARY} aide : elle parle de médicaments",
        }
    )
    await workspace.expect("escalation.sent")
    await board.expect("alert")
    await workspace.send(
        {
            "type": "call.emergency",
            "call_id": call_id,
            "reason": f"{CANARY} urgence : dit avoir pris des médicaments",
        }
    )
    await workspace.expect("emergency.flagged")
    await board.expect("alert")
    await workspace.send({"type": "call.hangup", "call_id": call_id})
    await caller.expect("call.ended")
    for socket in (caller, workspace, board):
        await socket.connection.close()
    return call_id, caller.seen + workspace.seen + board.seen


def http(server: LiveServer, cookie: str) -> requests.Session:
    session = requests.Session()
    session.cookies.set("sessionid", cookie)
    session.headers["Referer"] = server.url + "/"
    return session


def post_form(session: requests.Session, url: str, data: dict) -> requests.Response:
    """A form posted as the browser does: the page first (CSRF cookie), then the form with its token."""
    assert session.get(url).status_code == 200
    return session.post(
        url, data={**data, "csrfmiddlewaretoken": session.cookies["csrftoken"]}, allow_redirects=False
    )


def database_dump() -> str:
    """The whole test database as text: pg_dump on PostgreSQL, iterdump on SQLite."""
    config = connection.settings_dict
    if connection.vendor == "postgresql":
        command = [
            "pg_dump",
            "--no-owner",
            "-h",
            config.get("HOST") or "127.0.0.1",
            "-p",
            str(config.get("PORT") or 5432),
            "-U",
            config.get("USER") or "postgres",
            config["NAME"],
        ]
        return subprocess.run(command, check=True, capture_output=True, text=True).stdout
    with sqlite3.connect(config["NAME"]) as database:
        return "\n".join(database.iterdump())


def redis_contents() -> bytes:
    """Every key of the tests' Redis database and every value under it, whatever its type."""
    if not settings.REDIS_URL:
        return b""
    client, parts = redis.Redis.from_url(settings.REDIS_URL), []
    for key in client.scan_iter(count=1000):
        kind = client.type(key).decode()
        read = {
            "string": lambda: [client.get(key)],
            "hash": lambda: [item for pair in client.hgetall(key).items() for item in pair],
            "list": lambda: client.lrange(key, 0, -1),
            "set": lambda: list(client.smembers(key)),
            "zset": lambda: [member for member, _ in client.zrange(key, 0, -1, withscores=True)],
            "stream": lambda: [repr(entry).encode() for entry in client.xrange(key)],
        }.get(kind, lambda: [])
        parts += [key, *[value or b"" for value in read()]]
    return b"\n".join(parts)


def sealed_tokens() -> list[str]:
    """The ciphertexts now holding the canary (with their plaintext checked to be it)."""
    texts = [(a.reason.token, a.reason.open()) for a in Alert.objects.exclude(reason="")]
    texts += [(r.reason.token, r.reason.open()) for r in NoteRead.objects.all()]
    texts += [(r.note.token, r.note.open()) for r in ContactRecord.objects.exclude(note="")]
    return [token for token, text in texts if CANARY in text]


def test_the_canary_of_a_whole_call_is_nowhere_in_plaintext_and_gone_after_the_purge(server):
    ensure_taxonomies()
    Language.objects.get_or_create(code="fr", defaults={"name": "Français"})
    claire, helene = make_psychologist("Claire"), make_staff("supervisor", "Hélène")
    cookies = {"psychologist": verified_session_cookie(claire), "supervisor": verified_session_cookie(helene)}
    published = PublishedMessages() if settings.REDIS_URL else None

    call_id, events = asyncio.run(call_with_escalations(server, claire, cookies))
    assert not [event for event in events if CANARY in json.dumps(event)]  # no socket event carries a reason

    supervisor = http(server, cookies["supervisor"])
    board = supervisor.get(f"{server.url}/supervision/tableau/")
    assert (
        board.status_code == 200 and board.text.count(CANARY) == 2
    )  # the board opens the reasons, on purpose

    saved = post_form(
        http(server, cookies["psychologist"]),
        f"{server.url}/espace/fiches/appel/{call_id}/",
        {
            "returning": "non",
            "language": "fr",
            "profession": Profession.objects.first().pk,
            "employment": EmploymentStatus.objects.first().pk,
            "reasons": [Reason.objects.first().pk],
            "note": f"{CANARY} note : épuisement, a pris des somnifères",
        },
    )
    assert saved.status_code == 302, saved.text[:2000]
    record = ContactRecord.objects.get(call_id=call_id)
    read = post_form(
        supervisor,
        f"{server.url}/espace/fiches/{record.pk}/note/",
        {"reason": f"{CANARY} lecture : elle a rappelé en crise"},
    )
    assert read.status_code == 200 and f"{CANARY} note" in read.text

    tokens = sealed_tokens()
    assert len(tokens) == 4  # two alert reasons, the note, the reason of the read: all stored, all sealed
    assert Alert.objects.filter(kind__in=[AlertKind.HELP, AlertKind.EMERGENCY]).count() == 2

    messages = published.stop() if published else []
    places = {
        "database": database_dump(),
        "server log": server.log(),
        "redis": redis_contents(),
        "pub/sub": b"\n".join(messages),
    }
    if published:  # the listener did hear the flow, and the server does keep things in this Redis database
        assert any(b"alert_id" in message for message in messages) and b"source-key:" in places["redis"]
    assert tokens[0] in places["database"]  # the dump does hold the sealed texts
    for place, content in places.items():
        needle = CANARY.encode() if isinstance(content, bytes) else CANARY
        assert needle not in content, f"the canary is in plaintext in the {place}"

    longest = max(
        settings.ECOUTE_CONTACT_RETENTION_DAYS,
        settings.ECOUTE_ALERT_REASON_RETENTION_DAYS,
        settings.ECOUTE_AUDIT_RETENTION_DAYS,
    )
    done = retention.purge(now=timezone.now() + timedelta(days=longest + 1))
    assert (
        done["notes"] == 1
        and done["alert_reasons"] >= 2
        and done["note_reads"] == 1
        and done["caller_links"] >= 1
    )

    places = {"database": database_dump(), "server log": server.log(), "redis": redis_contents()}
    for place, content in places.items():
        for needle in [CANARY, *tokens]:
            assert (needle.encode() if isinstance(content, bytes) else needle) not in content, (
                f"{needle[:20]}… is still in the {place}"
            )
    assert not sealed_tokens()
    assert SecurityEvent.objects.get(kind=SecurityEventKind.PURGE).details["notes"] == 1
