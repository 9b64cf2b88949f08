"""Any period: whole months come from the month counts, the days at either end from the day counts,
and the figures are those of the records themselves."""

from datetime import date, datetime, time, timedelta

import pytest
from django.utils import timezone

from ecoute.contacts.generate import generate
from ecoute.contacts.models import ContactRecord
from ecoute.stats import figures
from ecoute.stats.figures import Period

pytestmark = pytest.mark.django_db


def records_between(first: date, last: date):
    zone = timezone.get_current_timezone()
    return ContactRecord.objects.filter(
        started_at__gte=datetime.combine(first, time.min, zone), started_at__lt=datetime.combine(last + timedelta(days=1), time.min, zone)
    )


@pytest.mark.parametrize("offsets", [(400, 0), (300, 200), (95, 40), (20, 18), (61, 31)])
def test_any_period_counts_exactly_the_records_in_it(settings, offsets):
    settings.ECOUTE_STATS_MIN_CELL = 1
    generate(3000, days=420, seed=7)
    today = timezone.localdate()
    period = Period(today - timedelta(days=offsets[0]), today - timedelta(days=offsets[1]), "week")
    report = figures.report(period)
    records = records_between(period.start, period.end)
    assert report["total"] == records.count()
    professions = {row["code"]: row["count"] for row in next(d for d in report["dimensions"] if d["dimension"] == "profession")["rows"]}
    assert professions.get("medecin", 0) == records.filter(profession__code="medecin").count()
    reasons = {row["code"]: row["count"] for row in next(d for d in report["dimensions"] if d["dimension"] == "reason")["rows"]}
    assert reasons.get("sommeil", 0) == records.filter(reasons__code="sommeil").count()


def test_whole_months_are_found_inside_a_period():
    assert figures._whole_months(Period(date(2025, 1, 15), date(2025, 4, 10))) == (date(2025, 2, 1), date(2025, 3, 1))
    assert figures._whole_months(Period(date(2025, 1, 1), date(2025, 1, 31))) == (date(2025, 1, 1), date(2025, 1, 1))
    assert figures._whole_months(Period(date(2025, 1, 2), date(2025, 1, 31))) is None
