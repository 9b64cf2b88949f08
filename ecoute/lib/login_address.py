"""A keyed hash of a staff member's address, for throttling logins, and nothing else.

Callers' addresses never enter the application (ecoute.lib.anonymity). Throttling staff logins
per address needs something stable per address, on the login pages only: this ASGI wrapper,
placed outside ForgetClientAddress, computes an HMAC of the address for requests to the login
path, puts it in the scope under SCOPE_KEY, and lets ForgetClientAddress remove the address
itself. The hash lives in the cache for the throttling window; it is never stored in a model or
written to a log, and without SECRET_KEY it cannot be turned back into an address.
"""

from django.conf import settings
from django.utils.crypto import salted_hmac

SCOPE_KEY = "ecoute.login_address"
LOGIN_PATH_PREFIX = "/connexion/"


def address_of(scope) -> str:
    header = settings.ECOUTE_LOGIN_ADDRESS_HEADER.encode()
    if header:
        for name, value in scope.get("headers", []):
            if name.lower() == header:
                # The proxy appends the address it saw last: the one nobody but the proxy wrote.
                return value.decode("latin-1").split(",")[-1].strip()
    client = scope.get("client")
    return client[0] if client else ""


class KeyLoginAddress:
    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and scope.get("path", "").startswith(LOGIN_PATH_PREFIX):
            address = address_of(scope)
            if address:
                scope = dict(scope)
                scope[SCOPE_KEY] = salted_hmac("ecoute.login-address", address, algorithm="sha256").hexdigest()
        await self.app(scope, receive, send)
