"""How long a staff session lives: ended after ECOUTE_STAFF_IDLE_MINUTES without activity, and
ECOUTE_STAFF_SESSION_HOURS after the login whatever happens (docs/staff-login.md).

Activity is any page or request of the staff member, and the workspace's heartbeat while they are on
duty (available, ringing, in a call, in wrap-up): a psychologist listening for an hour makes no
request but is anything but idle. The last activity is written at most once a minute.
"""

import time
from importlib import import_module

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponse

from ecoute.security import journal
from ecoute.security.models import SecurityEventKind

STARTED = "ecoute.session.started"
ACTIVE = "ecoute.session.active"
# When this session last passed the second factor (login, or asked again: ecoute.accounts.reauth).
VERIFIED = "ecoute.session.verified"
# Seconds between two writes of the last activity.
TOUCH_SECONDS = 60


def start(request) -> None:
    now = time.time()
    request.session[STARTED] = request.session[ACTIVE] = request.session[VERIFIED] = now


def expiry(session, now: float) -> str:
    """Why SESSION has ended ("idle", "lifetime"), or "" while it lives."""
    started = session.get(STARTED)
    if started is None:  # logged in before these limits existed: they count from now
        return ""
    if now - started > settings.ECOUTE_STAFF_SESSION_HOURS * 3600:
        return "lifetime"
    if now - session.get(ACTIVE, started) > settings.ECOUTE_STAFF_IDLE_MINUTES * 60:
        return "idle"
    return ""


def touch(session, now: float) -> None:
    if STARTED not in session:
        session[STARTED] = now
    if now - session.get(ACTIVE, 0) >= TOUCH_SECONDS:
        session[ACTIVE] = now


# Why a request's session ends, when it is not the staff member's own choice.
END_REASON = "ecoute_session_end"


def _journal_end(user, reason: str) -> None:
    words = {"asked": "déconnexion", "idle": "inactivité", "lifetime": "durée maximale atteinte"}[reason]
    journal.record(
        SecurityEventKind.LOGOUT,
        actor=user,
        summary=f"Session de {user.username} terminée ({words})",
        reason=reason,
    )


def journal_logout(sender, request, user, **kwargs) -> None:
    """Every logout (the button, or an ended session) is journalled, with its reason."""
    if user is not None:
        _journal_end(user, getattr(request, END_REASON, "asked"))


def socket_heartbeat(socket_session, user, on_duty: bool) -> bool:
    """The workspace's heartbeat: False when the session has ended; on duty, it counts as activity."""
    if socket_session is None or not socket_session.session_key:
        return False
    # The session as it is now: the socket's copy was read at connection, pages have changed it since.
    session = import_module(settings.SESSION_ENGINE).SessionStore(socket_session.session_key)
    if not session.exists(socket_session.session_key):
        return False
    now = time.time()
    reason = expiry(session, now)
    if reason:
        _journal_end(user, reason)
        session.flush()
        return False
    if on_duty:
        before = session.get(ACTIVE)
        touch(session, now)
        if session.get(ACTIVE) != before:
            session.save()
    return True


class StaffSessionExpiry:
    """Ends a staff session that has been idle or lived too long; any other request is activity."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            now = time.time()
            reason = expiry(request.session, now)
            if reason:
                setattr(request, END_REASON, reason)
                logout(request)
                return self._to_login(request)
            touch(request.session, now)
        return self.get_response(request)

    @staticmethod
    def _to_login(request) -> HttpResponse:
        # A panel fetched by the workspace cannot follow a redirect to a page: it is told, and reloads.
        if request.method != "GET" or request.headers.get("X-Ecoute-Partial") == "1":
            return HttpResponse(status=401)
        return redirect_to_login(request.get_full_path())
