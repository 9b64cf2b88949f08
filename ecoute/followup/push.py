"""Web Push reminders (RFC 8030 with VAPID, RFC 8292; the payload encrypted for the browser, RFC 8291).

The caller's browser gives a push subscription (its push service's endpoint and the keys to
encrypt for it); the server keeps it encrypted beside the follow-up, sends one reminder at the
agreed time, and forgets it. The server posts only to the browsers' push services
(ECOUTE_PUSH_SERVICES): a subscription is a URL chosen by an anonymous visitor, never a way to make
the server call anything else.
"""

import base64
import binascii
import fnmatch
import json
import logging
import re
from urllib.parse import urlsplit

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings
from django.utils.translation import gettext
from py_vapid import Vapid
from pywebpush import WebPushException, webpush

logger = logging.getLogger(__name__)
MAX_ENDPOINT = 1000
# A reminder the push service refuses for another reason than "gone" is tried again this many times.
MAX_TRIES = 5
# Seconds the push service keeps a reminder for a browser that is offline.
TTL = 6 * 3600
TIMEOUT = 10


class SubscriptionError(ValueError):
    """A push subscription that cannot be used; the message is fit to show to the caller."""


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def generate_private_key() -> str:
    """A new VAPID private key, as ECOUTE_VAPID_PRIVATE_KEY holds it (base64url of its 32 bytes)."""
    key = ec.generate_private_key(ec.SECP256R1())
    return _b64encode(key.private_numbers().private_value.to_bytes(32, "big"))


def _vapid() -> Vapid | None:
    raw = settings.ECOUTE_VAPID_PRIVATE_KEY
    return Vapid.from_raw(raw.encode()) if raw else None


def public_key() -> str:
    """The VAPID public key the browser subscribes with (applicationServerKey), or "" when push is off."""
    vapid = _vapid()
    if vapid is None:
        return ""
    point = vapid.public_key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return _b64encode(point)


def enabled() -> bool:
    return bool(settings.ECOUTE_VAPID_PRIVATE_KEY)


_HOST = re.compile(r"^[a-z0-9.-]+$")


def _allowed_service(endpoint: str) -> bool:
    """Whether ENDPOINT's origin is one of ECOUTE_PUSH_SERVICES (a user part, as in
    https://fcm.googleapis.com@elsewhere/, or an odd host is never one)."""
    try:
        parts = urlsplit(endpoint)
        host, port = parts.hostname or "", parts.port
    except ValueError:
        return False
    if parts.username is not None or not _HOST.match(host):
        return False
    origin = f"{parts.scheme}://{host}" + (f":{port}" if port else "")
    return any(fnmatch.fnmatchcase(origin, pattern.lower()) for pattern in settings.ECOUTE_PUSH_SERVICES)


def clean_subscription(value) -> dict:
    """The browser's PushSubscription (as its toJSON() gives it), checked; raises SubscriptionError."""
    if not isinstance(value, dict) or not isinstance(value.get("keys"), dict):
        raise SubscriptionError(
            gettext("Abonnement aux rappels illisible : il manque l’adresse ou les clés.")
        )
    endpoint, keys = value.get("endpoint"), value["keys"]
    if not isinstance(endpoint, str) or not endpoint or len(endpoint) > MAX_ENDPOINT:
        raise SubscriptionError(
            gettext("Abonnement aux rappels illisible : adresse manquante ou trop longue.")
        )
    if not _allowed_service(endpoint):
        raise SubscriptionError(gettext("Ce service de notifications n’est pas celui d’un navigateur connu."))
    try:
        p256dh, auth = _b64decode(keys.get("p256dh", "")), _b64decode(keys.get("auth", ""))
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), p256dh)
    except (TypeError, ValueError, binascii.Error):
        raise SubscriptionError(gettext("Abonnement aux rappels illisible : clés invalides.")) from None
    if len(auth) != 16:
        raise SubscriptionError(gettext("Abonnement aux rappels illisible : clés invalides."))
    return {"endpoint": endpoint, "keys": {"p256dh": _b64encode(p256dh), "auth": _b64encode(auth)}}


class Gone(Exception):
    """The push service says the subscription no longer exists (the browser unsubscribed)."""


def send(subscription: dict, payload: dict) -> None:
    """One push, encrypted for the browser; raises Gone, or another error to try again later."""
    try:
        webpush(
            subscription,
            data=json.dumps(payload),
            vapid_private_key=_vapid(),
            vapid_claims={"sub": settings.ECOUTE_VAPID_SUBJECT},
            ttl=TTL,
            timeout=TIMEOUT,
        )
    except WebPushException as error:
        status = getattr(error.response, "status_code", None)
        if status in (404, 410):
            raise Gone() from None
        raise
