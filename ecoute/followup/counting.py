"""Counting follow-ups agreed and kept, and reading the counts back with small-cell suppression."""

from django.utils import timezone

from ecoute.feedback.counting import over_the_last_year
from ecoute.lib.counts import add_one

from .models import FollowUpCount, Outcome


def count_one(channel: str, outcome: str) -> None:
    add_one(FollowUpCount, month=timezone.localdate().replace(day=1), channel=channel, outcome=outcome)


def planned_and_kept_over_the_last_year(today=None) -> dict:
    """Follow-ups agreed and kept, app and phone together, over the ended periods of the last year."""
    return over_the_last_year(FollowUpCount, "outcome", Outcome, today)
