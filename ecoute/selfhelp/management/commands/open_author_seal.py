"""Open the sealed author record of a testimony, on a legal request only; journalled."""

from django.core.management.base import BaseCommand, CommandError

from ecoute.accounts.models import User
from ecoute.lib.crypto import opened
from ecoute.security import journal
from ecoute.security.models import SecurityEventKind
from ecoute.selfhelp.models import AuthorSeal


class Command(BaseCommand):
    help = (
        "Ouvre les données d’auteur scellées d’un témoignage (décret 2021-1362), sur réquisition "
        "judiciaire seulement. L’ouverture est inscrite au journal de sécurité."
    )

    def add_arguments(self, parser):
        parser.add_argument("testimony", type=int, help="numéro du témoignage")
        parser.add_argument("--requisition", required=True, help="référence de la réquisition (obligatoire)")
        parser.add_argument("--by", required=True, help="identifiant de l’administrateur qui l’ouvre")

    def handle(self, *args, testimony, requisition, by, **options):
        if len(requisition.strip()) < 5:
            raise CommandError("La référence de la réquisition est obligatoire.")
        actor = User.objects.filter(username=by, is_active=True).first()
        if actor is None:
            raise CommandError(f"Aucun membre actif de l’équipe ne s’appelle « {by} ».")
        seals = list(AuthorSeal.objects.filter(testimony_ref=testimony).order_by("created_at"))
        if not seals:
            raise CommandError(
                "Aucune donnée scellée pour ce témoignage (jamais reçu, ou purgée après le délai légal)."
            )
        journal.record(
            SecurityEventKind.LEGAL_READ,
            actor=actor,
            summary=f"Données d’auteur du témoignage {testimony} ouvertes sur réquisition {requisition.strip()[:100]}",
            testimony=testimony,
            requisition=requisition.strip()[:100],
            records=len(seals),
        )
        for seal in seals:
            self.stdout.write(opened(seal.sealed))
