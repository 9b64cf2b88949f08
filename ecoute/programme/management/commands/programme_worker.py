from django.core.management.base import BaseCommand

from ecoute.programme import worker


class Command(BaseCommand):
    help = "Send the programme's e-mails (outbox) and apply waiting-list deadlines, every few seconds."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="One pass, then stop.")
        parser.add_argument("--every", type=float, default=5.0, help="Seconds between two passes.")

    def handle(self, *args, once=False, every=5.0, **options):
        worker.run(every_seconds=every, once=once)
