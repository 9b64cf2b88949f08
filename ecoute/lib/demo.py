"""The demo commands' one guard: they run only for a local demo, never against a real deployment.

They create accounts with a published password and second-factor key: on a real deployment that
would open a door. DJANGO_DEBUG=1 is read from the environment itself, as `make demo` sets it.
"""

from django.core.management.base import CommandError

from ecoute.lib.env import env_bool


def require_demo_mode(command: str) -> None:
    if not env_bool("DJANGO_DEBUG", False):
        raise CommandError(
            f"{command} ne sert qu'à la démo locale et refuse de s'exécuter sans DJANGO_DEBUG=1 "
            "(ses comptes ont un mot de passe et un second facteur publiés)."
        )
