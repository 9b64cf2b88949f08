"""Who may open which staff screen: one place for it."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied


def listener_required(view):
    """The workspace is for psychologists (and supervisors) with an active profile on the line."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_listener:
            raise PermissionDenied("Cet espace est réservé aux écoutants de la ligne.")
        return view(request, *args, **kwargs)

    return wrapper
