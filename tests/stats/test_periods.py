"""Any period: its total counts the days asked; its breakdowns count the whole, ended grid periods
that overlap it (whole quarters by default), and the figures are those of the records themselves."""

from datetime import date, datetime, time, timedelta

import pytest
from django.utils import timezone

from ecoute.contacts.generate import generate
from ecoute.contacts.models import ContactRecord
from ecoute.stats import figures
from ecoute.stats.figures import Period, grid_span

pytestmark = pytest.mark.django_db


def records_between(first: date, last: date):
    zone = timezone.get_current_timezone()
    return ContactRecord.objects.filter(
        started_at__gte=datetime.combine(first, time.min, zone),
        started_at__lt=datetime.combine(last + timedelta(days=1), time.min, zone),
    )


@pytest.mark.parametrize("offsets", [(400, 0), (300, 200), (95, 40), (20, 18), (61, 31)])
def test_any_period_counts_exactly_the_records_in_it(settings, offsets):
    settings.ECOUTE_STATS_MIN_CELL = 1
    generate(3000, days=420, seed=7)
    today = timezone.localdate()
    period = Period(today - timedelta(days=offsets[0]), today - timedelta(days=offsets[1]), "week")
    report = figures.report(period)
    assert report["total"] == records_between(period.start, period.end).count()
    span = grid_span(period)
    if span is None:
        assert report["breakdown"] is None and all(not d["rows"] for d in report["dimensions"])
        return
    assert report["breakdown"] == {
        "start": span[0].isoformat(),
        "end": span[1].isoformat(),
        "months": 3,
        "total": records_between(*span).count(),
        "left_out": 0,
    }
    records = records_between(*span)
    professions = {
        row["code"]: row["count"]
        for row in next(d for d in report["dimensions"] if d["dimension"] == "profession")["rows"]
    }
    assert professions.get("medecin", 0) == records.filter(profession__code="medecin").count()
    reasons = {
        row["code"]: row["count"]
        for row in next(d for d in report["dimensions"] if d["dimension"] == "reason")["rows"]
    }
    assert reasons.get("sommeil", 0) == records.filter(reasons__code="sommeil").count()


def test_breakdowns_cover_the_whole_ended_quarters_that_overlap_the_period():
    today = date(2025, 11, 20)
    assert grid_span(Period(date(2025, 1, 15), date(2025, 4, 10)), 3, today) == (
        date(2025, 1, 1),
        date(2025, 6, 30),
    )
    assert grid_span(Period(date(2025, 2, 1), date(2025, 2, 2)), 3, today) == (
        date(2025, 1, 1),
        date(2025, 3, 31),
    )
    # The quarter under way is left out: it would change from one day to the next.
    assert grid_span(Period(date(2025, 7, 2), date(2025, 11, 19)), 3, today) == (
        date(2025, 7, 1),
        date(2025, 9, 30),
    )
    assert grid_span(Period(date(2025, 10, 1), date(2025, 11, 19)), 3, today) is None
    # An ended quarter waits a week for the records saved late.
    assert grid_span(Period(date(2025, 5, 1), date(2025, 10, 5)), 3, date(2025, 10, 5)) == (
        date(2025, 4, 1),
        date(2025, 6, 30),
    )
    assert grid_span(Period(date(2025, 5, 1), date(2025, 10, 8)), 3, date(2025, 10, 8)) == (
        date(2025, 4, 1),
        date(2025, 9, 30),
    )
    # A day more or a day less at either end gives the same span, hence the same figures.
    spans = {
        grid_span(
            Period(date(2025, 1, 1) + timedelta(days=a), date(2025, 3, 31) - timedelta(days=b)), 3, today
        )
        for a in range(3)
        for b in range(3)
    }
    assert spans == {(date(2025, 1, 1), date(2025, 3, 31))}


def test_the_grid_can_be_months_or_years():
    today = date(2025, 11, 20)
    assert grid_span(Period(date(2025, 3, 15), date(2025, 11, 19)), 1, today) == (
        date(2025, 3, 1),
        date(2025, 10, 31),
    )
    assert grid_span(Period(date(2023, 3, 15), date(2025, 11, 19)), 12, today) == (
        date(2023, 1, 1),
        date(2024, 12, 31),
    )


def test_the_pages_and_exports_say_which_days_the_breakdowns_count(client):
    from ecoute.accounts.models import Role
    from tests.support.contacts import make_staff
    from tests.support.twofactor import log_in

    generate(400, days=200)
    today = timezone.localdate()
    public = client.get("/chiffres/").content.decode()
    assert "Répartitions du " in public and "périodes entières et terminées de 3 mois" in public
    data = client.get("/api/stats/public").json()
    span = grid_span(Period(date.fromisoformat(data["opened_on"]), today))
    assert (
        data["breakdown"]["start"] == span[0].isoformat() and data["breakdown"]["end"] == span[1].isoformat()
    )
    log_in(client, make_staff(Role.STATISTICIAN))
    page = client.get("/statistiques/", {"du": today.isoformat(), "au": today.isoformat()}).content.decode()
    assert "Pas de répartition pour cette période" in page  # only the quarter under way: nothing yet
    export = client.get("/statistiques/export.csv").content.decode()
    assert "répartitions sur des périodes entières de 3 mois" in export.splitlines()[0]
    assert any(line.startswith("repartitions;") for line in export.splitlines())
