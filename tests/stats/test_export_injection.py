"""No cell of an export runs as a formula in a spreadsheet (OWASP "CSV injection"), in CSV or XLSX:
labels and codes are typed by administrators, and a spreadsheet is where statisticians open them."""

import csv
import io

import pytest
from openpyxl import load_workbook

from ecoute.accounts.models import Role
from ecoute.contacts.models import Profession
from ecoute.lib.tabular import safe_cell
from ecoute.stats import exports, figures
from ecoute.stats.figures import Period
from tests.support.contacts import make_staff
from tests.support.twofactor import log_in

pytestmark = pytest.mark.django_db

PAYLOADS = [
    '=HYPERLINK("http://x","y")',
    "+1+1",
    "-2+3",
    "@SUM(A1)",
    "\t=1",
    "\r=1",
    "\n=1",
    " =1+1",
    "  +1",
    "\n\n-1",
    " \t@A1",
    "＝1+1",
    "＋1",
    "－1",
    "＠SUM(A1)",
    " ＝1",
]
HARMLESS = ["Infirmier", "1 à 5", "", "Médecin = soignant", "(+) autre"]


@pytest.mark.parametrize("text", PAYLOADS)
def test_every_formula_start_is_quoted(text):
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize("text", HARMLESS)
def test_ordinary_text_and_numbers_are_left_alone(text):
    assert safe_cell(text) == text
    assert safe_cell(-3) == -3 and safe_cell(2.5) == 2.5 and safe_cell(None) is None


def report_with_labels(labels: list[str]) -> dict:
    report = figures.report(Period.default())
    rows = [{"code": label, "label": label, "count": 12, "share": 5.0} for label in labels]
    report["dimensions"] = [{"dimension": "profession", "rows": rows, "other": None}]
    return report


def test_no_cell_of_the_csv_starts_a_formula():
    rows = list(csv.reader(io.StringIO(exports.to_csv(report_with_labels(PAYLOADS))), delimiter=";"))
    written = [row for row in rows if row[:1] == ["profession"]]
    assert [row[1] for row in written] == ["'" + text for text in PAYLOADS]  # the code column too
    assert [row[2] for row in written] == ["'" + text for text in PAYLOADS]


def test_no_cell_of_the_xlsx_is_a_formula():
    sheet = load_workbook(io.BytesIO(exports.to_xlsx(report_with_labels(PAYLOADS)))).active
    cells = [cell for row in sheet.iter_rows() for cell in row if cell.value is not None]
    assert not [cell.coordinate for cell in cells if cell.data_type == "f"]
    labels = [row[2].value for row in sheet.iter_rows(min_row=4) if row[0].value == "profession"]
    assert labels == ["'" + text.replace("\r", "\n") for text in PAYLOADS]  # XML reads CR back as LF


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_an_administrators_label_reaches_the_download_quoted(client, settings, kind):
    """End to end: a profession renamed to a formula, one contact, the export a statistician downloads."""
    from datetime import datetime, time

    from django.utils import timezone

    from ecoute.contacts.actions import save_record
    from tests.support.contacts import record_data

    settings.ECOUTE_STATS_MIN_CELL = 1
    Profession.objects.filter(code="infirmier").update(label="＝cmd|' /C calc'!A0")
    # Breakdowns count whole, ended grid periods only: the contact goes in the last one.
    first_day, _last_day = figures.grid_span(Period.default())
    started_at = timezone.make_aware(datetime.combine(first_day, time(10)))
    save_record(None, None, {**record_data(), "started_at": started_at})
    log_in(client, make_staff(Role.STATISTICIAN))
    body = client.get(f"/statistiques/export.{kind}").content
    if kind == "csv":
        assert "'＝cmd|' /C calc'!A0" in body.decode()
    else:
        sheet = load_workbook(io.BytesIO(body)).active
        assert "'＝cmd|' /C calc'!A0" in [row[2].value for row in sheet.iter_rows()]
        assert not [cell for row in sheet.iter_rows() for cell in row if cell.data_type == "f"]
