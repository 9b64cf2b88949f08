"""The second factor asked again before a sensitive read (a colleague's note) when the session's
last check is older than ECOUTE_REAUTH_MINUTES: a session left open on a shared computer is not enough."""

import time

from django.conf import settings

from ecoute.security import journal
from ecoute.security.models import SecurityEventKind

from . import twofactor
from .sessions import VERIFIED


def needed(request) -> bool:
    return time.time() - request.session.get(VERIFIED, 0) > settings.ECOUTE_REAUTH_MINUTES * 60


def confirm(request, token: str, purpose: str) -> bool:
    """Check TOKEN (the app's code or a recovery code) for the session's user; journal the attempt."""
    device = twofactor.verify(request.user, token)
    journal.record(
        SecurityEventKind.REAUTHENTICATION,
        actor=request.user,
        summary=f"Second facteur redemandé à {request.user.username} ({purpose}) : {'accepté' if device else 'refusé'}",
        purpose=purpose,
        accepted=device is not None,
    )
    if device is None:
        return False
    request.session[VERIFIED] = time.time()
    return True
