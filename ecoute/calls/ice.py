"""The ICE configuration each party of a call receives from the server.

With a TURN server (coturn with use-auth-secret), every party gets its own short-lived credentials
and relays all its media: neither browser ever sees the other's address, so the psychologist never
learns where the caller is. The username is "<expiry>:<random>" and carries nothing about anyone.
"""

import base64
import hashlib
import hmac
import secrets
import time

from django.conf import settings


def turn_credentials(secret: str, ttl: int, now: float | None = None) -> tuple[str, str]:
    """coturn's REST-API scheme: username = expiry:label, password = base64(HMAC-SHA1(secret, username))."""
    expiry = int((now if now is not None else time.time()) + ttl)
    username = f"{expiry}:{secrets.token_hex(8)}"
    digest = hmac.new(secret.encode(), username.encode(), hashlib.sha1).digest()
    return username, base64.b64encode(digest).decode()


def relay_only() -> bool:
    return bool(settings.ECOUTE_TURN_URLS)


def ice_configuration() -> dict:
    servers = []
    if settings.ECOUTE_STUN_URLS:
        servers.append({"urls": settings.ECOUTE_STUN_URLS})
    if relay_only():
        username, credential = turn_credentials(settings.ECOUTE_TURN_SECRET, settings.ECOUTE_TURN_TTL)
        servers.append({"urls": settings.ECOUTE_TURN_URLS, "username": username, "credential": credential})
    return {"iceServers": servers, "iceTransportPolicy": "relay" if relay_only() else "all"}
