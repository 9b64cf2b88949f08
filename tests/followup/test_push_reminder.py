"""The Web Push reminder, sent to a push endpoint running here on loopback (no public push service
is reachable from the tests): a real HTTP server that receives the request, checks the VAPID
signature and decrypts the payload as the browser would."""

import base64
import json
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import http_ece
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from ecoute.followup import actions, proposals, push
from ecoute.followup.models import FollowUp
from tests.support.cast import make_psychologist

from .support import Browser

pytestmark = pytest.mark.django_db

LINK_BASE = "https://ecoute.example/?suivi="


class PushService:
    """A push service on loopback: keeps each request it receives and answers STATUS."""

    def __init__(self):
        self.received, self.status = [], 201
        service = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                service.received.append(
                    {
                        "path": self.path,
                        "headers": {k.lower(): v for k, v in self.headers.items()},
                        "body": body,
                    }
                )
                self.send_response(service.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.origin = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def service(settings):
    settings.ECOUTE_VAPID_PRIVATE_KEY = push.generate_private_key()
    settings.ECOUTE_VAPID_SUBJECT = "mailto:dpo@ecoute.example"
    running = PushService()
    settings.ECOUTE_PUSH_SERVICES = [*settings.ECOUTE_PUSH_SERVICES, "http://127.0.0.1:*"]
    yield running
    running.stop()


def agreed_with_push(browser: Browser) -> dict:
    claire = make_psychologist("Claire")
    proposal = proposals.offer(claire.pk, timezone.now() + timedelta(hours=2))
    return actions.agree(proposal, browser.subscription, LINK_BASE)


def time_comes() -> None:
    FollowUp.objects.update(at=timezone.now() - timedelta(seconds=1))


def b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def test_at_the_agreed_time_the_browser_gets_one_signed_encrypted_reminder_and_the_subscription_is_forgotten(
    service, settings
):
    browser = Browser(service.origin + "/push/abc123")
    answer = agreed_with_push(browser)
    assert answer["reminder"] is True
    call_command("follow_up_worker", "--once")
    assert service.received == []  # not before its time

    time_comes()
    call_command("follow_up_worker", "--once")
    [request] = service.received
    headers = request["headers"]
    assert request["path"] == "/push/abc123" and headers["content-encoding"] == "aes128gcm"
    assert int(headers["ttl"]) > 0
    # VAPID (RFC 8292): a JWT signed with the server's key, for this push service's origin.
    scheme, _, params = headers["authorization"].partition(" ")
    fields = dict(part.strip().split("=", 1) for part in params.split(","))
    assert scheme == "vapid" and fields["k"] == push.public_key()
    server_key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), b64decode(fields["k"]))
    claims = jwt.decode(fields["t"], server_key, algorithms=["ES256"], audience=service.origin)
    assert claims["sub"] == "mailto:dpo@ecoute.example" and claims["exp"] > time.time()
    # The payload opens with the browser's own keys only (RFC 8291).
    payload = json.loads(
        http_ece.decrypt(request["body"], private_key=browser.private_key, auth_secret=browser.auth)
    )
    assert payload["link"] == LINK_BASE + answer["token"] and payload["title"]
    # Sent: the subscription is gone; the follow-up stays for the link back.
    assert not FollowUp.objects.get().reminder
    call_command("follow_up_worker", "--once")
    assert len(service.received) == 1


def test_the_subscription_is_kept_encrypted_until_then(service):
    browser = Browser(service.origin + "/push/secret-endpoint")
    agreed_with_push(browser)
    with connection.cursor() as cursor:
        cursor.execute("SELECT reminder FROM followup_followup")
        [(stored,)] = cursor.fetchall()
    assert stored and "secret-endpoint" not in stored and browser.subscription["keys"]["auth"] not in stored
    assert json.loads(FollowUp.objects.get().reminder.open())["subscription"] == browser.subscription


def test_a_subscription_the_push_service_says_is_gone_is_forgotten_at_once(service):
    service.status = 410
    agreed_with_push(Browser(service.origin + "/push/gone"))
    time_comes()
    assert actions.send_due() == {"sent": 0, "gone": 1, "failed": 0}
    assert not FollowUp.objects.get().reminder


def test_a_push_service_that_fails_is_tried_again_a_few_times_then_the_subscription_is_forgotten(service):
    service.status = 500
    agreed_with_push(Browser(service.origin + "/push/busy"))
    time_comes()
    for _ in range(push.MAX_TRIES - 1):
        assert actions.send_due()["failed"] == 1
        assert FollowUp.objects.get().reminder  # kept for the next try
    actions.send_due()
    assert not FollowUp.objects.get().reminder and len(service.received) == push.MAX_TRIES


def test_an_expired_follow_up_is_purged_with_its_subscription(service):
    agreed_with_push(Browser(service.origin + "/push/late"))
    later = timezone.now() + timedelta(hours=2 + 73)
    assert actions.purge_expired(later) == 1 and not FollowUp.objects.exists()
    assert service.received == []
