"""Follow-ups agreed and kept in the statistics: by grid period and channel, small counts hidden."""

import csv
import io
from datetime import timedelta

import openpyxl
import pytest
from django.utils import timezone

from ecoute.accounts.models import Role
from ecoute.followup.models import FollowUpCount
from ecoute.stats import figures
from ecoute.stats.figures import Period, add_months, grid_span
from tests.support.contacts import make_staff
from tests.support.twofactor import log_in

pytestmark = pytest.mark.django_db


def count(month, channel: str, outcome: str, n: int) -> None:
    FollowUpCount.objects.create(month=month, channel=channel, outcome=outcome, count=n)


@pytest.fixture
def a_year_of_follow_ups(settings):
    """An ended quarter with app and phone follow-ups, the quarter under way with more."""
    settings.ECOUTE_STATS_MIN_CELL = 5
    settings.ECOUTE_STATS_GRID_MONTHS = 3
    today = timezone.localdate()
    quarter = grid_span(Period(today - timedelta(days=200), today - timedelta(days=200)))[0]
    count(quarter, "app", "planned", 12)
    count(add_months(quarter, 2), "app", "planned", 3)  # another month of the same quarter: added up
    count(quarter, "app", "kept", 6)
    count(add_months(quarter, 1), "phone", "planned", 8)  # the phone: one kept, hidden with its pair
    count(add_months(quarter, 1), "phone", "kept", 1)
    count(today.replace(day=1), "app", "kept", 50)  # the quarter under way: not shown until it ends
    return quarter, Period(today - timedelta(days=364), today)


def test_follow_ups_are_counted_by_ended_grid_period_and_channel_with_small_counts_hidden(
    a_year_of_follow_ups,
):
    quarter, period = a_year_of_follow_ups
    rows = figures.report(period)["follow_ups"]
    assert [(row["start"], row["channel"]) for row in rows] == [
        (quarter.isoformat(), "app"),
        (quarter.isoformat(), "phone"),
    ]
    assert rows[0]["counts"] == {"planned": 15, "kept": 6}
    # One kept is below 5; shown beside its total, 8 would give it back: both hidden.
    assert rows[1]["counts"] == {"planned": None, "kept": None}
    assert rows[1]["end"] == (add_months(quarter, 3) - timedelta(days=1)).isoformat()


def test_a_period_without_follow_ups_shows_no_row(a_year_of_follow_ups):
    _, period = a_year_of_follow_ups
    FollowUpCount.objects.filter(month__lt=timezone.localdate().replace(day=1)).delete()
    assert figures.report(period)["follow_ups"] == []


def test_the_dashboard_and_its_exports_show_the_follow_ups(client, a_year_of_follow_ups):
    quarter, period = a_year_of_follow_ups
    log_in(client, make_staff(Role.SUPERVISOR))
    asked = {"du": period.start.isoformat(), "au": period.end.isoformat()}
    page = client.get("/statistiques/", asked).content.decode()
    assert "Suivis proposés aux appelants" in page and "data-follow-ups" in page
    section = page[page.index("data-follow-ups") :]
    section = section[: section.index("</table>")]
    assert '<td class="num">15</td><td class="num">6</td>' in section
    assert section.count("&lt; 5") == 2 and ">50<" not in section
    expected = [
        (f"{quarter} app planned", 15),
        (f"{quarter} app kept", 6),
        (f"{quarter} phone planned", "secret statistique"),
        (f"{quarter} phone kept", "secret statistique"),
    ]
    export = client.get("/statistiques/export.csv", asked).content.decode()
    lines = [row for row in csv.reader(io.StringIO(export), delimiter=";") if row[0] == "suivis"]
    assert [(row[1], row[3]) for row in lines] == [(code, str(n)) for code, n in expected]
    workbook = client.get("/statistiques/export.xlsx", asked).content
    sheet = openpyxl.load_workbook(io.BytesIO(workbook)).active
    assert [(row[1], row[3]) for row in sheet.iter_rows(values_only=True) if row[0] == "suivis"] == expected
