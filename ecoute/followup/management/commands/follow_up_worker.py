import time

from django.core.management.base import BaseCommand

from ecoute.followup import actions


class Command(BaseCommand):
    help = "Send the follow-up reminders (Web Push) whose time has come, every few seconds."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="One pass, then stop.")
        parser.add_argument("--every", type=float, default=15.0, help="Seconds between two passes.")

    def handle(self, *args, once=False, every=15.0, **options):
        while True:
            done = actions.send_due()
            if any(done.values()):
                self.stdout.write(" ".join(f"{name}={count}" for name, count in done.items()))
            if once:
                return
            time.sleep(every)
