"""French texts kept in the tables, read in the reader's language."""

from django.utils.translation import gettext


def translated(text: str) -> str:
    """TEXT in the active language when the catalogs know it (the names and labels the platform seeded,
    marked with gettext_noop where they are defined); as typed otherwise. Never gettext(""), which is the
    catalog's header."""
    return gettext(text) if text else text
