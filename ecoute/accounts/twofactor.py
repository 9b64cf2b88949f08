"""The second factor of staff logins: a TOTP app, and one-time recovery codes (django-otp devices).

A staff session counts as logged in only once the second factor is checked: ecoute.accounts.views
calls django's login() after it, never before. Pages check `request.user.is_verified()` (set by
django_otp's middleware) and websockets check the session with `session_is_verified`.
"""

import time

import segno
from django.db import transaction
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import sessions

RECOVERY_CODES = 10
RECOVERY_DEVICE_NAME = "codes de secours"


def has_authenticator(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def verify(user, token: str) -> Device | None:
    """The device that accepts TOKEN: the app's six digits, or one recovery code (used up)."""
    token = "".join(token.split()).lower()
    if not token:
        return None
    devices = TOTPDevice if token.isdigit() and len(token) == 6 else StaticDevice
    with transaction.atomic():
        for device in devices.objects.select_for_update().filter(user=user, confirmed=True):
            if device.verify_token(token):
                return device
    return None


def start_enrolment(user) -> TOTPDevice:
    """A new, unconfirmed authenticator for USER (replacing an earlier unconfirmed one)."""
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name="application", confirmed=False)


def confirm_enrolment(device: TOTPDevice, token: str) -> bool:
    token = "".join(token.split())
    if not (token.isdigit() and device.verify_token(token)):
        return False
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    return True


@transaction.atomic
def new_recovery_codes(user) -> list[str]:
    """Ten fresh one-time codes; earlier ones stop working. Shown once, stored as django-otp tokens."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


@transaction.atomic
def reset(user, by) -> None:
    """A lost phone: USER's app and recovery codes go; the next login pairs a new app. Journalled."""
    from ecoute.security import journal
    from ecoute.security.models import SecurityEventKind

    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    journal.record(
        SecurityEventKind.SECOND_FACTOR_RESET,
        actor=by,
        summary=f"Second facteur de {user.username} réinitialisé",
        account=user.username,
    )


def qr_code_svg(device: TOTPDevice) -> str:
    """The otpauth:// address as an inline SVG QR code, drawn on the server: nothing leaves it."""
    return segno.make(device.config_url, error="m").svg_inline(scale=4, dark="#1d2a2b", light="#ffffff")


def session_is_verified(user, session) -> bool:
    """Whether SESSION passed the second factor for USER (for websockets, which have no middleware)."""
    persistent_id = session.get(DEVICE_ID_SESSION_KEY) if session is not None else None
    if not persistent_id or not getattr(user, "is_authenticated", False):
        return False
    if sessions.expiry(session, time.time()):  # idle or too old: as for pages (ecoute.accounts.sessions)
        return False
    device = Device.from_persistent_id(persistent_id)
    return device is not None and device.user_id == user.pk and device.confirmed
