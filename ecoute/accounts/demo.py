"""The demo's second factor: one published TOTP secret for every demo account, never for real ones."""

import hashlib
from base64 import b32encode

from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

# Public on purpose: the demo's accounts and password are public too.
DEMO_TOTP_KEY = hashlib.sha1(b"ecoute demo second factor - NOT SECRET").hexdigest()
DEMO_DEVICE_NAME = "démo"


def demo_secret() -> str:
    return b32encode(bytes.fromhex(DEMO_TOTP_KEY)).decode()


def give_demo_authenticator(user) -> TOTPDevice:
    device, _ = TOTPDevice.objects.get_or_create(
        user=user, name=DEMO_DEVICE_NAME, defaults={"key": DEMO_TOTP_KEY, "confirmed": True}
    )
    return device


def current_demo_code() -> str:
    return f"{TOTP(bytes.fromhex(DEMO_TOTP_KEY)).token():06d}"
