"""manage.py rebuild_contact_stats: recompute the daily tallies from the records (after a bulk load)."""

from django.core.management.base import BaseCommand

from ecoute.contacts.tallies import rebuild


class Command(BaseCommand):
    help = "Recalcule les comptages quotidiens des statistiques à partir des fiches."

    def handle(self, *args, **options):
        self.stdout.write(f"{rebuild()} fiches comptées.")
