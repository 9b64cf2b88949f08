"""A generated year of contacts in the seeds' proportions comes back in those proportions,
on the dashboard, in the exports and through the API."""

import csv
import io
from datetime import date, datetime, time, timedelta

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from ecoute.accounts.models import Role
from ecoute.contacts.generate import EMPLOYMENT, MAIN_REASONS, PROFESSIONS, generate
from ecoute.contacts.models import ContactRecord
from ecoute.stats.figures import SETTLE_DAYS
from tests.support.contacts import make_staff
from tests.support.twofactor import log_in

pytestmark = pytest.mark.django_db
YEAR = 1500
# What the seeds say, in percent of contacts.
SEEDS = {
    ("profession", "infirmier"): 33,
    ("profession", "medecin"): 22,
    ("profession", "aide-soignant"): 12,
    ("profession", "pharmacien"): 5,
    ("profession", "chirurgien-dentiste"): 5,
    ("employment", "salarie"): 50,
    ("employment", "liberal"): 33,
    ("reason", "epuisement"): 25,
}


def ended_grid(months: int, count: int) -> tuple[date, date]:
    """The first and last day of the COUNT grid periods before the current one (settled): where breakdowns count."""
    today = timezone.localdate() - timedelta(days=SETTLE_DAYS)
    current = date(today.year, (today.month - 1) // months * months + 1, 1)
    first = current
    for _ in range(count):
        first = (first - timedelta(days=1)).replace(day=1)
        first = date(first.year, (first.month - 1) // months * months + 1, 1)
    return first, current - timedelta(days=1)


@pytest.fixture
def year(settings):
    """A year of contacts over the last ended calendar year, counted as one grid period, so that the
    breakdowns give the seeds' proportions back exactly (over quarters, a 5 % profession could fall
    under k in a quiet quarter and be merged)."""
    settings.ECOUTE_STATS_GRID_MONTHS = 12
    first, last = ended_grid(12, 1)
    generate(YEAR, start=datetime.combine(first, time()), days=(last - first).days + 1)
    return {"du": first.isoformat(), "au": last.isoformat()}


def shares(report) -> dict:
    return {(d["dimension"], row["code"]): row["share"] for d in report["dimensions"] for row in d["rows"]}


def test_the_generator_keeps_the_seeds_proportions():
    assert PROFESSIONS["infirmier"] == 33 and EMPLOYMENT["salarie"] == 50 and MAIN_REASONS["epuisement"] == 25
    assert (
        sum(PROFESSIONS.values()) == 100
        and sum(EMPLOYMENT.values()) == 100
        and sum(MAIN_REASONS.values()) == 100
    )


def test_the_api_gives_the_seeds_proportions_back(client, year):
    log_in(client, make_staff(Role.STATISTICIAN))
    report = client.get("/api/stats/report", year).json()
    assert report["total"] == YEAR == ContactRecord.objects.count()
    found = shares(report)
    for key, share in SEEDS.items():
        assert found[key] == pytest.approx(share, abs=0.1), key
    reasons = next(d for d in report["dimensions"] if d["dimension"] == "reason")
    assert reasons["rows"][0]["code"] == "epuisement"  # burnout first
    assert sum(point["count"] or 0 for point in report["series"]) == YEAR


def test_the_dashboard_shows_the_same_figures_beside_its_charts(client, year):
    log_in(client, make_staff(Role.SUPERVISOR))
    page = client.get("/statistiques/", year)
    assert page.status_code == 200
    html = page.content.decode()
    assert "<svg" in html and 'class="heatmap"' in html
    for label, share in (
        ("Infirmier·ère", "33,0 %"),
        ("Médecin", "22,0 %"),
        ("Salarié·e", "50,0 %"),
        ("Épuisement professionnel (burn-out)", "25,0 %"),
    ):
        assert label in html
        assert share in html or share.replace(",", ".") in html, share


def test_the_exports_carry_the_same_figures(client, year):
    log_in(client, make_staff(Role.STATISTICIAN))
    rows = list(
        csv.reader(io.StringIO(client.get("/statistiques/export.csv", year).content.decode()), delimiter=";")
    )
    by_key = {(row[0], row[1]): row for row in rows[2:]}
    assert by_key[("total", "")][3] == str(YEAR)
    assert float(by_key[("profession", "infirmier")][4]) == pytest.approx(33, abs=0.1)
    book = load_workbook(io.BytesIO(client.get("/statistiques/export.xlsx", year).content))
    cells = {(row[0], row[1]): row for row in book.active.iter_rows(min_row=4, values_only=True)}
    assert cells[("employment", "liberal")][4] == pytest.approx(33, abs=0.1)


def test_small_cells_are_suppressed_alike_in_page_export_and_api(client, settings):
    settings.ECOUTE_STATS_MIN_CELL = 10
    first, last = ended_grid(3, 1)
    generate(60, start=datetime.combine(first, time()), days=30)
    log_in(client, make_staff(Role.STATISTICIAN))
    period = {"du": first.isoformat(), "au": last.isoformat()}
    report = client.get("/api/stats/report", period).json()
    csv_rows = list(
        csv.reader(
            io.StringIO(client.get("/statistiques/export.csv", period).content.decode()), delimiter=";"
        )
    )[2:]
    page = client.get("/statistiques/", period).content.decode()
    for dimension in report["dimensions"]:
        assert all(row["count"] >= 10 for row in dimension["rows"] if row["count"])
    assert all(
        row[3] == "secret statistique" or int(row[3]) == 0 or int(row[3]) >= 10
        for row in csv_rows
        if row[0] not in ("repartitions", "duree_moyenne") and row[3] != ""
    )  # counts of contacts only
    professions = next(d for d in report["dimensions"] if d["dimension"] == "profession")
    assert professions["other"]["count"] >= 10 and "regroupées" in page
    public = client.get("/api/stats/public").json()
    for dimension in public["dimensions"]:
        assert all(row["count"] >= 10 for row in dimension["rows"] if row["count"])


def test_a_wrong_period_gets_a_clear_error(client):
    log_in(client, make_staff(Role.STATISTICIAN))
    assert client.get("/api/stats/report", {"du": "2025-02-30"}).status_code == 400
    assert "AAAA-MM-JJ" in client.get("/api/stats/report", {"du": "hier"}).json()["detail"]
    assert client.get("/api/stats/report", {"du": "2025-05-01", "au": "2025-01-01"}).status_code == 400
    assert client.get("/statistiques/export.csv", {"pas": "heure"}).status_code == 400
    page = client.get("/statistiques/", {"du": "n'importe quoi"})
    assert page.status_code == 400 and "Période par défaut" in page.content.decode()


def test_the_public_page_and_api_need_no_login_and_show_headline_figures(client):
    generate(400, days=200)
    page = client.get("/chiffres/")
    assert page.status_code == 200 and "400" in page.content.decode()
    data = client.get("/api/stats/public").json()
    assert data["since_opening"] == 400 and data["min_cell"] == 10
    assert {d["dimension"] for d in data["dimensions"]} == {"reason", "profession", "employment"}
    assert client.get("/api/openapi.json").json()["paths"]["/api/stats/public"]
    assert client.get("/api/stats/report").status_code == 401
