"""Open the sealed author records of a testimony, on a legal request only, with the offline private key; journalled."""

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ecoute.accounts.models import User
from ecoute.lib import sealing
from ecoute.security import journal
from ecoute.security.models import SecurityEventKind
from ecoute.selfhelp.models import AuthorSeal


class Command(BaseCommand):
    help = (
        "Ouvre les données d’auteur scellées d’un témoignage (décret 2021-1362), sur réquisition "
        "judiciaire seulement, avec la clé privée gardée hors ligne. L’ouverture est inscrite au "
        "journal de sécurité."
    )

    def add_arguments(self, parser):
        parser.add_argument("testimony", type=int, help="numéro du témoignage")
        parser.add_argument("--requisition", required=True, help="référence de la réquisition (obligatoire)")
        parser.add_argument("--by", required=True, help="identifiant de l’administrateur qui l’ouvre")
        parser.add_argument(
            "--private-key-file",
            required=True,
            help="fichier de la clé privée (base64), ou « - » pour la lire sur l’entrée standard",
        )

    def handle(self, *args, testimony, requisition, by, private_key_file, **options):
        requisition = requisition.strip()[:100]
        if len(requisition) < 5:
            raise CommandError("La référence de la réquisition est obligatoire.")
        actor = User.objects.filter(username=by, is_active=True).first()
        if actor is None:
            raise CommandError(f"Aucun membre actif de l’équipe ne s’appelle « {by} ».")
        private = self._private_key(private_key_file)
        seals = list(AuthorSeal.objects.filter(testimony_ref=testimony).order_by("created_at"))
        if not seals:
            raise CommandError(
                "Aucune donnée scellée pour ce témoignage (jamais reçu, ou purgée après le délai légal)."
            )
        mine = sealing.fingerprint(sealing.public_of(private))
        others = sorted({seal.key_fingerprint for seal in seals} - {mine})
        if others:
            raise CommandError(
                f"Cette clé ({mine}) n’ouvre pas ces données : elles ont été scellées avec la clé "
                f"{', '.join(others)}. Rien n’a été ouvert."
            )
        documents = [self._open(seal, private) for seal in seals]
        # Journalled before anything is shown, and only once it is sure to be shown.
        journal.record(
            SecurityEventKind.LEGAL_READ,
            actor=actor,
            summary=f"Données d’auteur du témoignage {testimony} ouvertes sur réquisition {requisition}",
            testimony=testimony,
            requisition=requisition,
            records=len(seals),
            key=mine,
        )
        for document in documents:
            self.stdout.write(document)

    def _private_key(self, path: str):
        try:
            text = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(f"La clé privée ne peut pas être lue : {error}") from error
        try:
            return sealing.private_key(text)
        except sealing.SealError as error:
            raise CommandError(f"Ce fichier ne contient pas une clé privée : {error}.") from error

    def _open(self, seal: AuthorSeal, private) -> str:
        try:
            return sealing.unseal(seal.sealed, private).decode("utf-8")
        except sealing.SealError as error:
            raise CommandError(
                f"Une donnée scellée ne s’ouvre pas ({error}) : rien n’a été ouvert."
            ) from error
