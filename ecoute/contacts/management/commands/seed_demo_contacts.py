"""Demo data: a year of contact records in the published proportions, by the demo psychologists."""

from django.core.management.base import BaseCommand

from ecoute.accounts.models import Role, User
from ecoute.contacts.generate import generate
from ecoute.contacts.models import ContactRecord
from ecoute.lib.demo import require_demo_mode


class Command(BaseCommand):
    help = "Crée une année de fiches d'appel de démonstration (une seule fois)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--count",
            type=int,
            default=1500,
            help="nombre de fiches (défaut : 1500, l'ordre de grandeur d'une année de la ligne)",
        )

    def handle(self, *args, count, **options):
        require_demo_mode("seed_demo_contacts")
        if ContactRecord.objects.exists():
            self.stdout.write("Des fiches existent déjà : rien d'ajouté.")
            return
        authors = list(User.objects.filter(role=Role.PSYCHOLOGIST, listener_profile__isnull=False))
        generate(count, authors=authors, notes=True)
        self.stdout.write(
            f"{count} fiches d'appel de démonstration sur un an (tableau de bord : /statistiques/, chiffres publics : /chiffres/)."
        )
