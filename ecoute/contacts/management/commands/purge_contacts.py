"""manage.py purge_contacts: forget notes and caller links past the retention period (cron-safe)."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from ecoute.contacts.actions import purge


class Command(BaseCommand):
    help = "Efface les notes et les liens d'appelant plus anciens que la durée de conservation ; garde les champs codés."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=None, help=f"durée de conservation en jours (défaut : ECOUTE_CONTACT_RETENTION_DAYS={settings.ECOUTE_CONTACT_RETENTION_DAYS})")

    def handle(self, *args, days=None, **options):
        if days is not None and days < 1:
            raise CommandError("--days doit être au moins 1")
        done = purge(days=days)
        self.stdout.write(f"{done['notes']} notes effacées, {done['caller_links']} liens d'appelant oubliés.")
