"""manage.py demo_code: the second-factor code of the demo accounts right now (DJANGO_DEBUG=1 only)."""

from django.core.management.base import BaseCommand

from ecoute.accounts.demo import current_demo_code
from ecoute.lib.demo import require_demo_mode


class Command(BaseCommand):
    help = "Affiche le code du second facteur des comptes de démonstration (démo locale seulement)."

    def handle(self, *args, **options):
        require_demo_mode("demo_code")
        self.stdout.write(current_demo_code())
