"""Demo directory for `make demo`: loads the official geography if missing, then about 300 entries (idempotent)."""

from django.core.management import call_command
from django.core.management.base import BaseCommand

from ecoute.directory.demo import seed
from ecoute.directory.models import Commune, Departement
from ecoute.lib.demo import require_demo_mode


class Command(BaseCommand):
    help = "Crée l’annuaire de démonstration (réseaux, professionnels, unités dédiées, services). Idempotent."

    def handle(self, *args, **options):
        require_demo_mode("seed_directory")
        # A complete France (all départements, with outlines for the map) is loaded once.
        if Departement.objects.count() < 100 or not Commune.objects.exists():
            call_command("load_geography", stdout=self.stdout)
        report = seed()
        self.stdout.write(f"Annuaire de démonstration : {report}.")
