"""manage.py purge: apply every retention rule kept in the database (docs/retention.md); cron-safe.

The server processes already run it once a day (ECOUTE_AUTO_PURGE); this command runs it now.
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from ecoute.security import retention


class Command(BaseCommand):
    help = (
        "Applique les durées de conservation : notes et liens d'appelant, motifs d'alerte, "
        "journal des lectures de notes, journal de sécurité, sessions expirées."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--days",
            type=int,
            default=None,
            help=f"durée de conservation des notes en jours, pour cette fois (défaut : ECOUTE_CONTACT_RETENTION_DAYS={settings.ECOUTE_CONTACT_RETENTION_DAYS})",
        )

    def handle(self, *args, days=None, **options):
        if days is not None and days < 1:
            raise CommandError("--days doit être au moins 1")
        self.stdout.write(retention.summary(retention.purge(contact_days=days)))
