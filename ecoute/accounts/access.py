"""Who may do what: the one place for the roles' sets and the questions asked about them.

Views (decorators below), websockets, the API, the admin and templates (the `may` context
processor) all ask here; no other module compares a role. The rules per object (which contact
record, which note) live beside their objects (ecoute/contacts/access.py) and ask here about roles.

Every staff screen needs a session that passed the second factor (ecoute.accounts.twofactor);
a session that somehow holds only a password login is sent back to the login page.
"""

from functools import cached_property, wraps

from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils.translation import gettext

from .models import Role, User

# Whose members appear on the caller board and can be rung (with a listener profile).
LISTENING_ROLES = (Role.PSYCHOLOGIST, Role.SUPERVISOR)
# Who fills a contact record after their calls and reads their own records.
RECORDING_ROLES = (Role.PSYCHOLOGIST, Role.SUPERVISOR)
# Who watches the line live, takes escalations, reads every record (a note only with a reason).
SUPERVISION_ROLES = (Role.SUPERVISOR,)
# Who plans the rota: forecasts, the planner, everyone's shifts (ecoute/rota).
ROTA_ROLES = (Role.SUPERVISOR,)
# Who reads the statistics dashboard (aggregates only, never a record).
STATISTICS_ROLES = (Role.SUPERVISOR, Role.STATISTICIAN, Role.ADMINISTRATOR)
# Who reads the security journal (superusers too).
ADMINISTRATION_ROLES = (Role.ADMINISTRATOR,)


def has_role(user, roles) -> bool:
    """USER (anonymous or not) holds one of ROLES."""
    return getattr(user, "role", None) in roles


def is_listener(user) -> bool:
    """Answers the line: a listening role with a listener profile (what callers see of them)."""
    return has_role(user, LISTENING_ROLES) and hasattr(user, "listener_profile")


def records_calls(user) -> bool:
    return has_role(user, RECORDING_ROLES)


def supervises(user) -> bool:
    return has_role(user, SUPERVISION_ROLES)


def plans_rota(user) -> bool:
    return has_role(user, ROTA_ROLES)


def rota_planners():
    """The active accounts that plan the rota (a handover waiting for a decision is theirs to decide)."""
    return User.objects.filter(role__in=ROTA_ROLES, is_active=True)


def reads_every_record(user) -> bool:
    """Reads the coded fields of every contact record, not only their own."""
    return has_role(user, SUPERVISION_ROLES)


def reads_statistics(user) -> bool:
    return has_role(user, STATISTICS_ROLES)


def runs_programme(user) -> bool:
    """Runs the prevention programme's events, registrations and certificates."""
    return has_role(user, PROGRAMME_ROLES)


def edits_resources(user) -> bool:
    """Writes the resource sheets and creates studies."""
    return has_role(user, EDITOR_ROLES)


def moderates(user) -> bool:
    return has_role(user, MODERATION_ROLES)


def reads_studies(user) -> bool:
    return has_role(user, STUDY_ROLES)


def is_administrator(user) -> bool:
    return user.is_active and (user.is_superuser or has_role(user, ADMINISTRATION_ROLES))


# Who runs the prevention programme's events, registrations and certificates (ecoute/programme).
PROGRAMME_ROLES = (Role.PROGRAMME, Role.ADMINISTRATOR)
# Who writes the resource sheets, and who moderates testimonies (ecoute/selfhelp).
EDITOR_ROLES = (Role.EDITOR, Role.ADMINISTRATOR)
MODERATION_ROLES = (Role.MODERATOR, Role.SUPERVISOR)
# Who reads the studies' answers and results (ecoute/studies); the editors also create them.
STUDY_ROLES = tuple(dict.fromkeys(EDITOR_ROLES + STATISTICS_ROLES))


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
        if not is_listener(request.user):
            raise PermissionDenied(gettext("Cet espace est réservé aux écoutants de la ligne."))
        return view(request, *args, **kwargs)

    wrapper.allowed_roles = LISTENING_ROLES
    return wrapper


def role_required(*roles):
    """A staff screen for the given roles only (one of the sets above), after the second factor."""

    def decorator(view):
        @login_required
        @verified_required
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not has_role(request.user, roles):
                raise PermissionDenied(gettext("Cette page n'est pas ouverte à votre rôle."))
            return view(request, *args, **kwargs)

        wrapper.allowed_roles = roles
        return wrapper

    return decorator


def home_for(user) -> str:
    """Where a staff member lands after logging in."""
    if supervises(user):
        return reverse("calls:supervision")
    if is_listener(user):
        return reverse("calls:workspace")
    if reads_statistics(user):
        return reverse("stats:dashboard")
    if has_role(user, (Role.PROGRAMME,)):
        return reverse("programme:staff_events")
    if has_role(user, (Role.EDITOR,)):
        return reverse("selfhelp:editor")
    if has_role(user, (Role.MODERATOR,)):
        return reverse("selfhelp:moderation")
    return reverse("admin:index")


class May:
    """What the request's user may open, for the templates' links: `{% if may.supervise %}`.

    Each answer is asked once per request, and only if a template asks it.
    """

    def __init__(self, user):
        self._user = user

    @cached_property
    def listen(self) -> bool:
        return is_listener(self._user)

    @cached_property
    def record_calls(self) -> bool:
        return records_calls(self._user)

    @cached_property
    def supervise(self) -> bool:
        return supervises(self._user)

    @cached_property
    def plan_rota(self) -> bool:
        return plans_rota(self._user)

    @cached_property
    def read_every_record(self) -> bool:
        return reads_every_record(self._user)

    @cached_property
    def read_statistics(self) -> bool:
        return reads_statistics(self._user)

    @cached_property
    def edit_resources(self) -> bool:
        return edits_resources(self._user)

    @cached_property
    def moderate(self) -> bool:
        return moderates(self._user)

    @cached_property
    def read_studies(self) -> bool:
        return reads_studies(self._user)


def template_access(request) -> dict:
    """Context processor: `may` in every template."""
    return {"may": May(getattr(request, "user", None))}
