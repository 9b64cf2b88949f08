"""Any period typed into the address bar gets a clear French answer, never a server error: the
dashboard (400, default period shown), both exports (400, plain text) and the API (400, JSON)."""

from datetime import timedelta

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ecoute.accounts.models import Role
from ecoute.stats.figures import Period, PeriodError
from tests.support.contacts import make_staff
from tests.support.twofactor import log_in

pytestmark = pytest.mark.django_db
ENDPOINTS = ["/statistiques/", "/statistiques/export.csv", "/statistiques/export.xlsx", "/api/stats/report"]
BAD = {
    "year 1": {"du": "0001-01-01", "au": "0001-12-31"},
    "year 1 to today": {"du": "0001-01-01"},
    "year 9999": {"du": "9999-01-01", "au": "9999-12-31"},
    "up to 9999": {"au": "9999-12-31"},
    "whole calendar": {"du": "0001-01-01", "au": "9999-12-31"},
    "before 2000": {"du": "1999-12-31", "au": "2000-01-31"},
    "reversed": {"du": "2025-03-01", "au": "2025-01-01"},
    "garbage": {"du": "hier", "au": "demain"},
    "huge number": {"du": "9" * 400},
    "nul byte": {"du": "2025-01-01\x00"},
    "bad step": {"pas": "siècle"},
    "impossible day": {"du": "2025-02-30"},
}


@pytest.fixture
def statistician(client):
    return log_in(client, make_staff(Role.STATISTICIAN))


@pytest.mark.parametrize("endpoint", ENDPOINTS)
@pytest.mark.parametrize("case", BAD)
def test_a_bad_period_gets_a_400_that_says_why(statistician, endpoint, case):
    response = statistician.get(endpoint, BAD[case])
    assert response.status_code == 400
    if endpoint.startswith("/api/"):
        assert response["Content-Type"].startswith("application/json")
        message = response.json()["detail"]
    else:
        message = response.content.decode()
    assert any(
        words in message
        for words in ("AAAA-MM-JJ", "Dates attendues entre", "précède", "Pas attendu", "trop longue")
    )
    assert "Traceback" not in message


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_the_bounds_themselves_are_accepted(statistician, endpoint):
    latest = timezone.localdate() + timedelta(days=366)
    assert (
        statistician.get(endpoint, {"du": "2000-01-01", "au": latest.isoformat(), "pas": "mois"}).status_code
        == 200
    )


def test_the_dashboard_shows_the_default_period_with_the_reason(statistician):
    page = statistician.get("/statistiques/", BAD["year 9999"]).content.decode()
    assert "Dates attendues entre le 01/01/2000 et le" in page and "Période par défaut affichée." in page


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    start=st.one_of(st.none(), st.dates(), st.text(max_size=30)),
    end=st.one_of(st.none(), st.dates(), st.text(max_size=30)),
    step=st.one_of(st.none(), st.sampled_from(["jour", "semaine", "mois"]), st.text(max_size=10)),
)
def test_any_period_parses_or_is_refused_with_a_reason(start, end, step):
    """Whatever the query string holds, parsing ends in a period within bounds or a PeriodError."""
    try:
        period = Period.parse(
            str(start) if start is not None else None, str(end) if end is not None else None, step
        )
    except PeriodError as error:
        assert str(error)
        return
    assert period.start <= period.end <= timezone.localdate() + timedelta(days=366)
    assert period.start.year >= 2000


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_empty_dates_mean_the_default_period(statistician, endpoint):
    assert statistician.get(endpoint, {"du": "", "au": "", "pas": ""}).status_code == 200
