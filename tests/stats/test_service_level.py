"""One answer rate: the supervisors' board, the dashboard and the exports count the same calls the same way."""

import csv
import io
from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from ecoute.accounts.models import Role
from ecoute.calls.models import CallState
from ecoute.calls.supervision import board as supervision_board
from ecoute.contacts.generate import generate
from ecoute.stats import figures
from ecoute.stats.figures import Period
from tests.support.cast import make_psychologist
from tests.support.contacts import make_call, make_staff
from tests.support.twofactor import log_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def a_morning():
    """Today from 10:00: 12 calls over, 2 still going (answered), 4 abandoned, 1 caller waiting."""
    zone = timezone.get_current_timezone()
    ten = datetime.combine(timezone.localdate(), time(10), zone)
    claire = make_psychologist("Claire")
    now = timezone.now()

    def call(n: int, state) -> None:
        made = make_call(claire, ago=now - ten - timedelta(minutes=n), state=state)
        if state in (CallState.ABANDONED, CallState.REQUESTED):
            made.answered_at = made.ringing_at = None
            made.ended_at = (
                made.requested_at + timedelta(seconds=40) if state == CallState.ABANDONED else None
            )
            made.psychologist = None
            made.save()

    for n in range(12):
        call(n, CallState.ENDED)
    for n in range(2):
        call(20 + n, CallState.CONNECTED)
    for n in range(4):
        call(30 + n, CallState.ABANDONED)
    call(40, CallState.REQUESTED)
    return ten + timedelta(hours=1)


def test_the_board_and_the_statistics_give_the_same_answer_rate(a_morning):
    today = timezone.localdate()
    board = supervision_board.today_figures(a_morning)
    service = figures.report(Period(today, today, "day"), k=1)["service"]
    # 14 answered (2 still talking) of the 18 calls that are over; the caller still waiting is not counted.
    assert board["answered"] == service["answered"] == 14
    assert board["abandoned"] == service["abandoned"] == 4
    assert board["answer_rate"] == service["answer_rate"] == 77.8


def test_the_exports_carry_the_answer_rate_and_the_mean_duration(client, settings, a_morning):
    settings.ECOUTE_STATS_MIN_CELL = 1
    generate(400, days=200)
    log_in(client, make_staff(Role.STATISTICIAN))
    report = figures.report(Period.default())
    assert report["service"]["answer_rate"] == 77.8 and report["average_minutes"] is not None
    rows = list(
        csv.reader(io.StringIO(client.get("/statistiques/export.csv").content.decode()), delimiter=";")
    )
    by_code = {(row[0], row[1]): row for row in rows[2:]}
    assert by_code["service", "decroches"][3] == "14" and by_code["service", "abandonnes"][3] == "4"
    assert by_code["service", "taux_decroche"][4] == "77.8"
    assert by_code["duree_moyenne", "minutes"][3] == str(report["average_minutes"])
    sheet = load_workbook(io.BytesIO(client.get("/statistiques/export.xlsx").content)).active
    cells = {(row[0], row[1]): row for row in sheet.iter_rows(min_row=4, values_only=True)}
    assert cells["service", "taux_decroche"][4] == 77.8
    assert cells["duree_moyenne", "minutes"][3] == report["average_minutes"]


def test_a_hidden_count_hides_the_rate_in_the_export_too(client, a_morning):
    log_in(client, make_staff(Role.STATISTICIAN))
    rows = list(
        csv.reader(io.StringIO(client.get("/statistiques/export.csv").content.decode()), delimiter=";")
    )
    by_code = {(row[0], row[1]): row for row in rows[2:]}
    assert by_code["service", "abandonnes"][3] == "secret statistique"  # 4 < 10
    assert by_code["service", "taux_decroche"][4] == "secret statistique"
