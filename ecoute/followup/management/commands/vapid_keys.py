from django.core.management.base import BaseCommand

from ecoute.followup import push


class Command(BaseCommand):
    help = "Print a new VAPID private key for ECOUTE_VAPID_PRIVATE_KEY (Web Push reminders of follow-ups)."

    def handle(self, *args, **options):
        self.stdout.write(push.generate_private_key())
