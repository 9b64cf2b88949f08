"""Sealing for a reader who is not the server: HPKE (RFC 9180) to a public key whose private half is offline.

The server holds only the public key (ECOUTE_AUTHOR_SEAL_PUBLIC_KEY): it can seal, never open. What
it seals (the legal record of a testimony's author, ecoute/selfhelp) is opened on another
machine, or on this one for the time of a legal request, by someone who brings the private key
(`manage.py open_author_seal --private-key-file`). HPKE base mode with X25519, HKDF-SHA256 and
ChaCha20-Poly1305 is what libsodium's sealed box does (an ephemeral key per message, anonymous
sender), standardised, and it is in the `cryptography` package already pinned: no new dependency.

No Django import: settings.py reads the public key through public_key_setting().
"""

import base64
import hashlib

from cryptography.hazmat.primitives import hpke
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat

from .env import ConfigurationError, env_str

SUITE = hpke.Suite(hpke.KEM.X25519, hpke.KDF.HKDF_SHA256, hpke.AEAD.CHACHA20_POLY1305)
# Bound into every seal: a seal made for this purpose cannot be passed off as another's.
INFO = b"ecoute author seal v1"

# Derived from a public label, so that `make demo` and the tests run without configuration; anyone
# can open what it seals. public_key_setting() refuses it unless DJANGO_DEBUG=1.
DEVELOPMENT_PRIVATE_KEY = base64.b64encode(
    hashlib.sha256(b"ecoute development author seal key - NOT SECRET").digest()
).decode()


class SealError(ValueError):
    """A key that is not one, or a seal that this key cannot open."""


def _raw_public(key: X25519PublicKey) -> bytes:
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def private_key(text: str) -> X25519PrivateKey:
    """A private key written as base64 of its 32 raw bytes (what new_key_pair() gives)."""
    try:
        raw = base64.b64decode(text.strip(), validate=True)
        return X25519PrivateKey.from_private_bytes(raw)
    except ValueError as error:
        raise SealError("not an X25519 private key (32 bytes, base64)") from error


def public_key(text: str) -> X25519PublicKey:
    try:
        return X25519PublicKey.from_public_bytes(base64.b64decode(text.strip(), validate=True))
    except ValueError as error:
        raise SealError("not an X25519 public key (32 bytes, base64)") from error


def public_of(private: X25519PrivateKey) -> str:
    return base64.b64encode(_raw_public(private.public_key())).decode()


def fingerprint(public: str) -> str:
    """A short name of a public key, stored with each seal: it says which private key opens it."""
    return hashlib.sha256(base64.b64decode(public)).hexdigest()[:16]


def new_key_pair() -> tuple[str, str]:
    """(private, public), both base64: the private one goes offline, the public one to the server."""
    private = X25519PrivateKey.generate()
    raw = private.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    return base64.b64encode(raw).decode(), public_of(private)


def seal(plaintext: bytes, public: str) -> str:
    return base64.b64encode(SUITE.encrypt(plaintext, public_key(public), info=INFO)).decode()


def unseal(token: str, private: X25519PrivateKey) -> bytes:
    try:
        return SUITE.decrypt(base64.b64decode(token), private, info=INFO)
    except Exception as error:  # cryptography raises its own InvalidTag, or ValueError on a bad length
        raise SealError("this key does not open this seal") from error


def public_key_setting(debug: bool) -> str:
    """ECOUTE_AUTHOR_SEAL_PUBLIC_KEY (or its _FILE), checked; the development key on a DEBUG run only."""
    raw = env_str("ECOUTE_AUTHOR_SEAL_PUBLIC_KEY").strip()
    if raw:
        try:
            public_key(raw)
        except SealError as error:
            raise ConfigurationError(
                f"ECOUTE_AUTHOR_SEAL_PUBLIC_KEY: {error}; make a pair with `manage.py author_seal_keys`"
            ) from error
        return raw
    if not debug:
        raise ConfigurationError(
            "ECOUTE_AUTHOR_SEAL_PUBLIC_KEY must be set: testimonies' author records are sealed to it "
            "(make a pair with `manage.py author_seal_keys`, keep the private key offline)"
        )
    return public_of(private_key(DEVELOPMENT_PRIVATE_KEY))
