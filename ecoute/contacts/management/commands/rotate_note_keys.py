"""manage.py rotate_note_keys: re-encrypt every note with the first key of ECOUTE_NOTE_KEYS.

Put the new key first and keep the old ones after it, run this, then remove the old keys.
"""

from django.core.management.base import BaseCommand, CommandError

from ecoute.contacts.actions import rotate_note_keys
from ecoute.lib.crypto import NoteKeyError


class Command(BaseCommand):
    help = "Rechiffre toutes les notes avec la première clé de ECOUTE_NOTE_KEYS."

    def handle(self, *args, **options):
        try:
            count = rotate_note_keys()
        except NoteKeyError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(self.style.SUCCESS(f"{count} notes rechiffrées avec la nouvelle clé."))
