"""manage.py import_contacts FILE.csv: historical records, all stored or none (docs/contacts.md)."""

from django.core.management.base import BaseCommand, CommandError

from ecoute.contacts.importer import ImportFailed, import_bytes
from ecoute.lib.tabular import MAX_FILE_BYTES
from ecoute.security import journal
from ecoute.security.models import SecurityEventKind


class Command(BaseCommand):
    help = (
        "Importe des fiches d'appel historiques depuis un CSV (tout ou rien ; colonnes : docs/contacts.md)."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="fichier CSV, UTF-8, séparé par des virgules ou des points-virgules")

    def handle(self, *args, file, **options):
        try:
            with open(file, "rb") as stream:
                count = import_bytes(stream.read(MAX_FILE_BYTES + 1))  # one byte more tells a file too big
        except OSError as error:
            raise CommandError(f"{file} : {error.strerror}") from None
        except ImportFailed as failure:
            raise CommandError(f"Aucune fiche importée ; {failure} :\n{failure.listing()}") from None
        journal.record(
            SecurityEventKind.IMPORT,
            summary=f"Import de {count} fiches d'appel historiques (manage.py import_contacts)",
            what="contacts",
            records=count,
        )
        self.stdout.write(self.style.SUCCESS(f"{count} fiches importées."))
