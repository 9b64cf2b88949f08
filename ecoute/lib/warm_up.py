"""Work every server process does once when it starts, so that its first requests do not.

Django imports the URL configuration (and with it every app's views: the rota's solver, the
statistics' spreadsheet and data-frame libraries) on the first request that resolves a URL, and
compiles some validators' expressions on their first use. In a burst of a thousand registrations
for a popular eJADES right after a deployment, the process that met its first request then spent
over a second of processor time on imports while the others queued (bench/programme_registrations.py,
docs/performance.md). A server process pays it at start instead.
"""

from importlib import import_module

from django.conf import settings
from django.core.validators import validate_email
from django.urls import get_resolver
from django.utils import translation


def warm_up() -> None:
    """Import and compile what the first requests would."""
    get_resolver().check()  # imports every app's urls and views (and checks them, as at a deployment)
    import_module(settings.SESSION_ENGINE)  # the session middleware imports it on its first request
    validate_email("warm-up@example.org")  # compiles the e-mail validator's expressions
    for language in ("fr", "en"):
        translation.activate(language)  # reads its catalogues
    translation.deactivate()
