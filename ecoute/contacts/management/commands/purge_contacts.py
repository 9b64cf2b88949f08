"""manage.py purge_contacts: the former name of `manage.py purge`, which now applies every retention rule."""

from ecoute.security.management.commands.purge import Command  # noqa: F401
