"""manage.py demo_code: the second-factor code of the demo accounts right now (DJANGO_DEBUG=1 only)."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from ecoute.accounts.demo import current_demo_code


class Command(BaseCommand):
    help = "Affiche le code du second facteur des comptes de démonstration (démo locale seulement)."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("demo_code n'existe que pour la démo locale (DJANGO_DEBUG=1).")
        self.stdout.write(current_demo_code())
