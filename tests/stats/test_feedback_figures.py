"""The callers' anonymous feedback in the statistics: by grid period and channel, small counts hidden."""

import csv
import io
from datetime import timedelta

import pytest
from django.utils import timezone

from ecoute.accounts.models import Role
from ecoute.feedback.models import FeedbackCount
from ecoute.stats import figures
from ecoute.stats.figures import Period, add_months, grid_span
from tests.support.contacts import make_staff
from tests.support.twofactor import log_in

pytestmark = pytest.mark.django_db


def count(month, channel: str, helped: str, n: int) -> None:
    FeedbackCount.objects.create(month=month, channel=channel, helped=helped, count=n)


@pytest.fixture
def a_year_of_feedback(settings):
    """An ended quarter with app and phone answers, the quarter under way with more."""
    settings.ECOUTE_STATS_MIN_CELL = 5
    settings.ECOUTE_STATS_GRID_MONTHS = 3
    today = timezone.localdate()
    quarter = grid_span(Period(today - timedelta(days=200), today - timedelta(days=200)))[0]
    for helped, n in (("yes", 20), ("partly", 7), ("no", 6)):  # the app: every answer shown
        count(quarter, "app", helped, n)
    count(add_months(quarter, 1), "app", "yes", 4)  # another month of the same quarter: added up
    for helped, n in (("yes", 9), ("partly", 3), ("no", 2)):  # the phone: two small answers
        count(add_months(quarter, 2), "phone", helped, n)
    count(today.replace(day=1), "app", "no", 50)  # the quarter under way: not shown until it ends
    return quarter, Period(today - timedelta(days=364), today)


def test_feedback_is_counted_by_ended_grid_period_and_channel_with_small_counts_hidden(a_year_of_feedback):
    quarter, period = a_year_of_feedback
    rows = figures.report(period)["feedback"]
    assert [(row["start"], row["channel"]) for row in rows] == [
        (quarter.isoformat(), "app"),
        (quarter.isoformat(), "phone"),
    ]
    assert rows[0]["counts"] == {"yes": 24, "partly": 7, "no": 6} and rows[0]["total"] == 37
    # "Non" (2) and "un peu" (3) are below 5 and hidden together: 14 - 9 gives back only their sum.
    assert rows[1]["counts"] == {"yes": 9, "partly": None, "no": None} and rows[1]["total"] == 14
    assert rows[1]["end"] == (add_months(quarter, 3) - timedelta(days=1)).isoformat()


def test_a_row_of_fewer_answers_than_k_shows_nothing(a_year_of_feedback):
    quarter, period = a_year_of_feedback
    FeedbackCount.objects.filter(channel="phone").delete()
    count(quarter, "phone", "yes", 3)
    phone = [row for row in figures.report(period)["feedback"] if row["channel"] == "phone"]
    assert phone == [phone[0]] and phone[0]["total"] is None
    assert set(phone[0]["counts"].values()) == {None, 0}


def test_the_dashboard_and_its_export_show_the_feedback(client, a_year_of_feedback):
    quarter, period = a_year_of_feedback
    log_in(client, make_staff(Role.STATISTICIAN))
    asked = {"du": period.start.isoformat(), "au": period.end.isoformat()}
    page = client.get("/statistiques/", asked).content.decode()
    assert "Cet appel vous a-t-il aidé" in page and "data-feedback" in page
    assert "<td>Téléphone</td>" in page and "&lt; 5" in page
    export = client.get("/statistiques/export.csv", asked).content.decode()
    lines = [row for row in csv.reader(io.StringIO(export), delimiter=";") if row[0] == "retours"]
    assert [f"{quarter} phone partly", "secret statistique"] in [[row[1], row[3]] for row in lines]
    assert [f"{quarter} app total", "37"] in [[row[1], row[3]] for row in lines]
    assert len(lines) == 8  # two rows of three answers and a total
