"""Import the directory from a CSV file: all or nothing, matched on external_id (see docs/directory-import.md)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ecoute.directory.importer import ImportRejected, import_csv
from ecoute.security import journal
from ecoute.security.models import SecurityEventKind


class Command(BaseCommand):
    help = "Importe l’annuaire d’orientation depuis un CSV (tout ou rien ; mise à jour par external_id)."

    def add_arguments(self, parser):
        parser.add_argument(
            "path", type=Path, help="Fichier CSV en UTF-8, séparé par des virgules ou des points-virgules."
        )

    def handle(self, *args, path: Path, **options):
        try:
            data = path.read_bytes()
        except OSError as error:
            raise CommandError(f"{path} : {error.strerror}") from error
        try:
            report = import_csv(data)
        except ImportRejected as rejected:
            for error in rejected.errors:
                self.stderr.write(str(error))
            raise CommandError(
                f"Import refusé ({len(rejected.errors)} erreur(s)) : rien n’a été modifié."
            ) from rejected
        journal.record(
            SecurityEventKind.IMPORT,
            summary=f"Import de l’annuaire (manage.py import_directory) : {report}"[:300],
            what="directory",
            file=path.name[:100],
        )
        self.stdout.write(f"Import terminé : {report}.")
