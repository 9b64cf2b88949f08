"""manage.py rotate_note_keys: re-encrypt every encrypted text with the first key of ECOUTE_NOTE_KEYS.

Every EncryptedTextField of every model (notes, alert reasons, note-read reasons), not the notes
alone. Put the new key first and keep the old ones after it, run this, then remove the old keys.
"""

from django.core.management.base import BaseCommand, CommandError

from ecoute.lib.crypto import NoteKeyError, rotate_every_field
from ecoute.security import journal
from ecoute.security.models import SecurityEventKind


class Command(BaseCommand):
    help = "Rechiffre tous les textes chiffrés (notes, motifs d'alerte et de lecture) avec la première clé de ECOUTE_NOTE_KEYS."

    def handle(self, *args, **options):
        try:
            counts = rotate_every_field()
        except NoteKeyError as error:
            raise CommandError(str(error)) from None
        total = sum(counts.values())
        journal.record(
            SecurityEventKind.KEY_ROTATION,
            summary=f"{total} textes chiffrés rechiffrés avec la nouvelle clé",
            **counts,
        )
        for field, count in counts.items():
            self.stdout.write(f"{field} : {count}")
        notes = counts.get("contacts.ContactRecord.note", 0)
        self.stdout.write(
            self.style.SUCCESS(f"{notes} notes rechiffrées avec la nouvelle clé ; {total} textes en tout.")
        )
