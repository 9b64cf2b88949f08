"""`manage.py check --deploy`: what a production line must not run without."""

from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.security, deploy=True)
def turn_relay_configured(app_configs, **kwargs):
    """Without the relay, WebRTC hands each browser the other's address: callers would not be anonymous."""
    if settings.ECOUTE_TURN_URLS:
        return []
    return [
        checks.Warning(
            "ECOUTE_TURN_URLS is not set: calls would connect directly and each psychologist's browser would learn "
            "the caller's network address.",
            hint="Run coturn and set ECOUTE_TURN_URLS and ECOUTE_TURN_SECRET (docs/coturn.md).",
            id="ecoute.W001",
        )
    ]
