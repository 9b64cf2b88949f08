"""Follow-ups agreed and kept, as the team sees them: counts per month, small cells hidden."""

from datetime import date

import pytest

from ecoute.accounts.models import Role
from ecoute.followup import counting
from ecoute.followup.models import FollowUpCount
from tests.support.contacts import make_staff
from tests.support.twofactor import log_in

pytestmark = pytest.mark.django_db


def test_the_supervisors_see_follow_ups_planned_and_kept_over_ended_periods_small_counts_hidden(
    client, settings
):
    settings.ECOUTE_STATS_MIN_CELL = 5
    settings.ECOUTE_STATS_GRID_MONTHS = 3
    for channel, outcome, n in (
        ("app", "planned", 9),
        ("phone", "planned", 7),
        ("app", "kept", 3),
        ("phone", "kept", 4),
    ):
        FollowUpCount.objects.create(month=date(2026, 4, 1), channel=channel, outcome=outcome, count=n)
    FollowUpCount.objects.create(
        month=date(2026, 11, 1), channel="app", outcome="kept", count=50
    )  # not ended
    figures = counting.planned_and_kept_over_the_last_year(today=date(2026, 11, 30))
    assert [row["count"] for row in figures["rows"]] == [16, 7] and figures["total"] == 23
    settings.ECOUTE_STATS_MIN_CELL = 10
    figures = counting.planned_and_kept_over_the_last_year(today=date(2026, 11, 30))
    # 7 kept is below the threshold; shown alone, 16 would give it away from the total: both hidden.
    assert [row["count"] for row in figures["rows"]] == [None, None] and figures["hidden_total"] == 23
    log_in(client, make_staff(Role.SUPERVISOR))
    page = client.get("/espace/retours-des-appelants/").content.decode()
    assert "Suivis proposés aux appelants" in page and "Suivis convenus" in page and "&lt; 10" in page
