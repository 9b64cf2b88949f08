"""Demo resources for `make demo` (idempotent)."""

from django.core.management.base import BaseCommand

from ecoute.lib.demo import require_demo_mode
from ecoute.selfhelp.demo import seed, seed_testimonies
from ecoute.studies.demo import seed as seed_studies


class Command(BaseCommand):
    help = "Crée les fiches, témoignages et études de démonstration. Idempotent."

    def handle(self, *args, **options):
        require_demo_mode("seed_selfhelp")
        self.stdout.write(
            f"Ressources de démonstration : {seed()} ; {seed_testimonies()} ; {seed_studies()}."
        )
