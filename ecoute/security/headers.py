"""Headers every page carries besides Django's and django-csp's: which browser features a page may
use, and that a staff page or a decrypted note is never kept in any cache (docs/security-headers.md)."""

from functools import wraps

PERMISSIONS_POLICY = "Permissions-Policy"
# Features no page uses; the two some pages use are refused everywhere else.
CLOSED = ("camera", "payment", "usb", "display-capture")
FEATURES = ("microphone", "geolocation")
# Where staff work: never stored by a browser or a proxy, even before the login (the login pages).
STAFF_PREFIXES = (
    "/espace/",
    "/supervision/",
    "/statistiques/",
    "/admin/",
    "/connexion/",
    "/compte/",
    "/deconnexion/",
)


def permissions_policy(allowed: tuple[str, ...] = ()) -> str:
    parts = [f"{feature}=(self)" if feature in allowed else f"{feature}=()" for feature in FEATURES]
    return ", ".join(parts + [f"{feature}=()" for feature in CLOSED])


def allow(*features: str):
    """A view whose page may use FEATURES (microphone, geolocation) from Écoute's own origin."""
    unknown = set(features) - set(FEATURES)
    if unknown:
        raise ValueError(f"unknown browser features: {unknown}")
    header = permissions_policy(features)

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            response = view(request, *args, **kwargs)
            response[PERMISSIONS_POLICY] = header
            return response

        return wrapper

    return decorator


def never_stored(response) -> None:
    response["Cache-Control"] = "no-store"
    response.headers.pop("Expires", None)


def is_staff_response(request) -> bool:
    user = getattr(request, "user", None)
    return request.path.startswith(STAFF_PREFIXES) or bool(user is not None and user.is_authenticated)


class SecurityHeaders:
    """Permissions-Policy on every answer (closed unless the view opened a feature); no-store for staff."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.closed = permissions_policy()

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault(PERMISSIONS_POLICY, self.closed)
        if is_staff_response(request):
            never_stored(response)
        return response
