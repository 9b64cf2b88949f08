"""Make the key pair of the testimonies' author records: the private key into a file to keep offline."""

import os
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ecoute.lib import sealing


class Command(BaseCommand):
    help = (
        "Crée la paire de clés des données d’auteur scellées : la clé privée dans un fichier (à garder "
        "hors ligne, jamais sur le serveur), la clé publique affichée pour ECOUTE_AUTHOR_SEAL_PUBLIC_KEY."
    )

    def add_arguments(self, parser):
        parser.add_argument("--private-key-file", required=True, help="fichier à créer pour la clé privée")

    def handle(self, *args, private_key_file, **options):
        path = Path(private_key_file)
        private, public = sealing.new_key_pair()
        try:
            # Created, never overwritten (a key that sealed records must not vanish), readable by its owner only.
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except OSError as error:
            raise CommandError(f"{path} ne peut pas être créé : {error}") from error
        with os.fdopen(descriptor, "w", encoding="ascii") as file:
            file.write(private + "\n")
        self.stdout.write(f"ECOUTE_AUTHOR_SEAL_PUBLIC_KEY={public}")
        self.stdout.write(
            f"Clé privée écrite dans {path} (empreinte {sealing.fingerprint(public)}) : "
            "copiez-la hors ligne (deux copies), puis effacez-la de cette machine."
        )
