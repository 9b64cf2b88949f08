"""The caller's device key: what lets an anonymous caller find "their" psychologists again.

The app draws a random 256-bit key once and keeps it on the device (calls/static/calls/line.js;
"Oublier cet appareil" draws a new one). It says it in its hello (ecoute/protocol/messages.py checks
the form here). The server never stores the key: only its SHA-256, on the calls, which is what
finds the psychologists this device has talked to, lets it resume its own call after a network
loss, and lets a supervisor block a device (ecoute/abuse/blocks.py).
"""

import hashlib
import re

# URL-safe base64 of at least 24 random bytes (the app sends 43 characters for 32 bytes).
_FORM = re.compile(r"^[A-Za-z0-9_-]{32,128}$")


def well_formed(key) -> bool:
    return isinstance(key, str) and bool(_FORM.match(key))


def hashed(key: str) -> str:
    """What is stored of a key; empty for no key (a caller who never said hello)."""
    return hashlib.sha256(key.encode()).hexdigest() if key else ""
