"""The one-click link that lets a registrant confirm or cancel without an account.

The link carries a signed token: the registration's id and its random link_key (24 bytes), signed
with SECRET_KEY and timestamped. It cannot be guessed (the key) nor forged (the signature), it
expires ECOUTE_PROGRAMME_LINK_DAYS after it was made and once the event is over, and a new
link_key makes every earlier link useless.
"""

from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from .models import Registration

SALT = "ecoute.programme.manage"
CHECK_IN_SALT = "ecoute.programme.check-in"
JOIN_SALT = "ecoute.programme.join"
# The room opens this long before an online session (as the Jitsi token's nbf, video.py).
JOIN_OPENS_BEFORE = timedelta(minutes=15)


class BadLink(Exception):
    pass


def manage_token(registration: Registration) -> str:
    return signing.dumps([registration.pk, registration.link_key], salt=SALT, compress=True)


def manage_url(registration: Registration) -> str:
    return settings.ECOUTE_PUBLIC_URL + reverse("programme:manage", args=[manage_token(registration)])


def registration_for(token: str, now=None) -> Registration:
    """The registration a link is for, or BadLink (forged, altered, expired, replaced, or the event is over)."""
    max_age = timedelta(days=settings.ECOUTE_PROGRAMME_LINK_DAYS)
    try:
        pk, key = signing.loads(token, salt=SALT, max_age=max_age)
    except (signing.BadSignature, ValueError, TypeError):
        raise BadLink from None
    registration = Registration.objects.select_related("event").filter(pk=pk, link_key=key).first()
    if registration is None or registration.event.ends_at <= (now or timezone.now()):
        raise BadLink
    return registration


def check_in_url(registration: Registration) -> str:
    """What the registrant's QR code holds: a staff page that records their arrival (signed apart from
    the manage link, so that the code shown at the door cannot cancel anything)."""
    token = signing.dumps([registration.pk, registration.link_key], salt=CHECK_IN_SALT, compress=True)
    return settings.ECOUTE_PUBLIC_URL + reverse("programme:staff_check_in", args=[token])


def registration_checking_in(token: str) -> Registration:
    try:
        pk, key = signing.loads(token, salt=CHECK_IN_SALT)
    except (signing.BadSignature, ValueError, TypeError):
        raise BadLink from None
    registration = Registration.objects.select_related("event").filter(pk=pk, link_key=key).first()
    if registration is None:
        raise BadLink
    return registration


def check_in_qr(registration: Registration) -> str:
    """The QR code of check_in_url as inline SVG."""
    import segno

    return segno.make(check_in_url(registration), error="m").svg_inline(
        scale=4, dark="#1d2a2b", light="#ffffff"
    )


def join_url(registration: Registration) -> str:
    """The join link of the e-mails: through Écoute, which notes the attendance, then to the room."""
    token = signing.dumps([registration.pk, registration.link_key], salt=JOIN_SALT, compress=True)
    return settings.ECOUTE_PUBLIC_URL + reverse("programme:join", args=[token])


def registration_joining(token: str, now=None) -> Registration:
    """The registration a join link is for, or BadLink (forged, replaced, no place held, session over)."""
    from .models import State

    try:
        pk, key = signing.loads(
            token, salt=JOIN_SALT, max_age=timedelta(days=settings.ECOUTE_PROGRAMME_LINK_DAYS)
        )
    except (signing.BadSignature, ValueError, TypeError):
        raise BadLink from None
    registration = Registration.objects.select_related("event").filter(pk=pk, link_key=key).first()
    if (
        registration is None
        or not registration.event.online
        or registration.event.is_cancelled
        or registration.state not in (State.REGISTERED, State.CONFIRMED, State.ATTENDED, State.NO_SHOW)
        or registration.event.ends_at <= (now or timezone.now())
    ):
        raise BadLink
    return registration
