"""The link that joins an online session (eJADES): the room a registrant enters, sent by e-mail at H-1.

With a Jitsi Meet server using token authentication (ECOUTE_JITSI_URL, ECOUTE_JITSI_APP_ID,
ECOUTE_JITSI_SECRET: Prosody's `app_id` and `app_secret`), each registrant gets a link of their
own: the event's room, whose name cannot be guessed, and a JWT (HS256) valid from 15 minutes before
the start to an hour after the end, carrying only the name or pseudonym they gave, never their
e-mail. Without that configuration the link is the one staff typed on the event (a BigBlueButton
room, a visio of a partner…). Either way it is never on a page nor in a calendar file.
"""

import hashlib
import hmac
from datetime import timedelta

import jwt
from django.conf import settings
from django.utils.translation import gettext

AUDIENCE = "jitsi"


def jitsi_configured() -> bool:
    return bool(settings.ECOUTE_JITSI_URL and settings.ECOUTE_JITSI_APP_ID and settings.ECOUTE_JITSI_SECRET)


def room_name(event) -> str:
    """The event's room: its id and a keyed hash of it (nobody can enter a room by guessing its name)."""
    digest = hmac.new(settings.SECRET_KEY.encode(), f"ejades-room-{event.pk}".encode(), hashlib.sha256)
    return f"ecoute-{event.pk}-{digest.hexdigest()[:20]}"


def jitsi_token(registration) -> str:
    event = registration.event
    claims = {
        "iss": settings.ECOUTE_JITSI_APP_ID,
        "aud": AUDIENCE,
        "sub": settings.ECOUTE_JITSI_URL.split("://", 1)[-1].split("/", 1)[0],
        "room": room_name(event),
        "nbf": int((event.starts_at - timedelta(minutes=15)).timestamp()),
        "exp": int((event.ends_at + timedelta(hours=1)).timestamp()),
        "context": {"user": {"name": registration.name or gettext("Participant·e")}},
        "moderator": False,
    }
    return jwt.encode(claims, settings.ECOUTE_JITSI_SECRET, algorithm="HS256")


def join_url(registration) -> str:
    """The registrant's own link, or '' when the session has none yet."""
    if jitsi_configured():
        base = settings.ECOUTE_JITSI_URL.rstrip("/")
        return f"{base}/{room_name(registration.event)}?jwt={jitsi_token(registration)}"
    return registration.event.join_url
