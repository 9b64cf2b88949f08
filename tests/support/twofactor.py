"""Staff logins with the second factor, for tests: a known authenticator per user, its current code."""

import time

from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from ecoute.accounts import sessions

# A fixed test secret (hex, 20 bytes): codes are computed here exactly as an authenticator app would.
TEST_TOTP_KEY = "3132333435363738393031323334353637383930"


def give_authenticator(user) -> TOTPDevice:
    device, _ = TOTPDevice.objects.get_or_create(
        user=user, confirmed=True, defaults={"name": "test", "key": TEST_TOTP_KEY}
    )
    return device


def current_code(device: TOTPDevice) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():06d}"


def log_in(client, user):
    """A test client logged in as USER with the second factor passed, as the login pages leave it."""
    device = give_authenticator(user)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    now = time.time()
    session[sessions.STARTED] = session[sessions.ACTIVE] = session[sessions.VERIFIED] = now
    session.save()
    return client


def verified_session_cookie(user) -> str:
    from django.test import Client

    return log_in(Client(), user).cookies["sessionid"].value
