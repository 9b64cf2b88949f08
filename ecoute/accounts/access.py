"""Who may open which staff screen: one place for it.

Every staff screen needs a session that passed the second factor (ecoute.accounts.twofactor);
a session that somehow holds only a password login is sent back to the login page.
"""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils.translation import gettext

from .models import Role

# Who reads the statistics dashboard (aggregates only, never a record).
STATISTICS_ROLES = (Role.SUPERVISOR, Role.STATISTICIAN, Role.ADMINISTRATOR)
# Who watches the line live and takes escalations (ecoute/calls/supervision.py).
SUPERVISION_ROLES = (Role.SUPERVISOR,)
# Who writes the resource sheets, and who moderates testimonies (ecoute/selfhelp).
EDITOR_ROLES = (Role.EDITOR, Role.ADMINISTRATOR)
MODERATION_ROLES = (Role.MODERATOR, Role.SUPERVISOR)


def is_verified(user) -> bool:
    """Logged in with the second factor (django_otp's middleware sets is_verified on request.user)."""
    return user.is_authenticated and getattr(user, "is_verified", lambda: False)()


def verified_required(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not is_verified(request.user):
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    return wrapper


def listener_required(view):
    """The workspace is for psychologists (and supervisors) with an active profile on the line."""

    @login_required
    @verified_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_listener:
            raise PermissionDenied(gettext("Cet espace est réservé aux écoutants de la ligne."))
        return view(request, *args, **kwargs)

    return wrapper


def role_required(*roles):
    """A staff screen for the given roles only, after the second factor."""

    def decorator(view):
        @login_required
        @verified_required
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.user.role not in roles:
                raise PermissionDenied(gettext("Cette page n'est pas ouverte à votre rôle."))
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def home_for(user) -> str:
    """Where a staff member lands after logging in."""
    if user.role in SUPERVISION_ROLES:
        return reverse("calls:supervision")
    if user.is_listener:
        return reverse("calls:workspace")
    if user.role in STATISTICS_ROLES:
        return reverse("stats:dashboard")
    if user.role == Role.EDITOR:
        return reverse("selfhelp:editor")
    if user.role == Role.MODERATOR:
        return reverse("selfhelp:moderation")
    return reverse("admin:index")
