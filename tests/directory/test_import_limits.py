"""What any uploaded directory file may hold: refused with the line and column, and nothing written,
for NUL bytes, huge cells, huge files, too many lines, dates outside the line's history, another
encoding or separator; the admin's upload page answers with the message, never a server error.
Then Hypothesis puts random values in every column."""

import csv
import io

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ecoute.directory.importer import COLUMNS, ImportRejected, import_csv
from ecoute.directory.models import Entry
from ecoute.lib import tabular
from tests.directory.test_import import GOOD, HEADER, csv_bytes

pytestmark = pytest.mark.usefixtures("geography")


def rejected(data: bytes) -> list[str]:
    before = Entry.objects.count()
    with pytest.raises(ImportRejected) as refusal:
        import_csv(data)
    assert Entry.objects.count() == before  # nothing written
    return [str(error) for error in refusal.value.errors]


def with_cell(column: str, value: str) -> bytes:
    """A file of the GOOD rows whose second row has VALUE in COLUMN."""
    header = HEADER.split(",")
    rows = [dict(zip(header, row.split(","))) for row in GOOD]
    for row in rows:
        row.setdefault(column, "")
    rows[1][column] = value
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(dict.fromkeys(header + [column])))
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode()


def test_a_nul_byte_is_refused_with_its_line():
    errors = rejected(csv_bytes(GOOD[0], GOOD[1].replace("Bordeaux", "Bor\x00deaux")))
    assert errors == ["ligne 3 : caractère nul (octet 0) : ce n’est pas un fichier texte CSV."]


@pytest.mark.parametrize("size", [2001, 200_000])
def test_a_huge_cell_is_refused_with_its_line_and_column(size):
    errors = rejected(with_cell("what_to_expect", "x" * size))
    assert errors == [f"ligne 3, colonne « what_to_expect » : {size} caractères ; 2000 au plus."]


def test_a_cell_beyond_csvs_own_limit_is_refused_not_crashed():
    errors = rejected(csv_bytes(GOOD[0], GOOD[1].replace("Bordeaux", "B" * 300_000)))
    assert len(errors) == 1 and errors[0].startswith(
        "ligne 3, colonne « name » : 300016 caractères ; 2000 au plus."
    )


def test_an_invisible_control_character_is_refused():
    assert rejected(with_cell("name", "Dr\x07 Martin")) == [
        "ligne 3, colonne « name » : caractère de contrôle invisible : retirez-le."
    ]


def test_a_file_too_big_or_too_long_is_refused(monkeypatch):
    assert rejected(b"x" * (tabular.MAX_FILE_BYTES + 1))[0].startswith("ligne 0 : fichier trop gros")
    monkeypatch.setattr("ecoute.directory.importer.MAX_ROWS", 2)
    assert rejected(csv_bytes(*GOOD)) == ["ligne 4 : plus de 2 lignes : découpez le fichier."]


@pytest.mark.parametrize(
    "day, message",
    [
        ("0001-01-01", "avant 2000"),
        ("1999-12-31", "avant 2000"),
        ("9999-12-31", "dans le futur"),
        ("2026-02-30", "une date AAAA-MM-JJ"),
    ],
)
def test_dates_outside_the_lines_history_are_refused(day, message):
    errors = rejected(with_cell("last_verified", day))
    assert (
        len(errors) == 1
        and errors[0].startswith("ligne 3, colonne « last_verified »")
        and message in errors[0]
    )


def test_the_first_and_last_possible_dates_are_accepted():
    import_csv(with_cell("last_verified", "2000-01-01"))
    import_csv(with_cell("last_verified", timezone.localdate().isoformat()))
    assert Entry.objects.get(external_id="unit-1").last_verified == timezone.localdate()


def test_another_separator_or_encoding_is_refused():
    assert rejected(
        csv_bytes(*[row.replace(",", "\t") for row in GOOD], header=HEADER.replace(",", "\t"))
    ) == ["ligne 1 : séparateur attendu : virgule ou point-virgule entre les noms de colonnes."]
    assert rejected(csv_bytes(*GOOD).decode().encode("utf-16"))[0].startswith(
        "ligne 1 : le fichier doit être enregistré en UTF-8"
    )


def test_an_odd_digit_in_a_number_is_refused_not_crashed():
    assert rejected(with_cell("beds", "²")) == [
        "ligne 3, colonne « beds » : « ² » : un nombre entier entre 1 et 500."
    ]


@pytest.mark.parametrize(
    "content",
    [
        csv_bytes(GOOD[0], GOOD[1].replace("Bordeaux", "Bor\x00deaux")),
        with_cell("what_to_expect", "x" * 200_000),
        b"\xff\xfe" + "external_id".encode("utf-16-le"),
        with_cell("last_verified", "0001-01-01"),
    ],
)
def test_the_admins_upload_page_answers_with_the_message(admin_client, content):
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = admin_client.post(
        "/admin/directory/entry/import/", {"file": SimpleUploadedFile("annuaire.csv", content, "text/csv")}
    )
    assert response.status_code == 200 and "ligne" in response.content.decode()
    assert not Entry.objects.exists()


@pytest.fixture
def admin_client(client, django_user_model):
    from tests.support.twofactor import log_in

    return log_in(
        client, django_user_model.objects.create_superuser("root", password="x" * 16, role="administrator")
    )


cell_values = st.one_of(
    st.text(max_size=50),
    st.text(max_size=2500),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=30),
    st.sampled_from(
        [
            "",
            " ",
            "\x00",
            "\x07",
            "²",
            "NaN",
            "inf",
            "-1",
            "0",
            "9" * 40,
            "0001-01-01",
            "9999-12-31",
            "1e309",
            "a|b|c",
            '"',
            "\r\n",
            ";",
            ",",
            "=1+1",
            "＝1",
            "x" * 2001,
        ]
    ),
)


@settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(column=st.sampled_from(COLUMNS), value=cell_values)
def test_any_value_in_any_column_is_imported_or_refused_with_its_line(column, value):
    entries = sorted(Entry.objects.values_list("external_id", "name", "last_verified"))
    try:
        import_csv(with_cell(column, value))
    except ImportRejected as refusal:
        assert refusal.errors and all(str(error).startswith("ligne ") for error in refusal.errors)
        assert sorted(Entry.objects.values_list("external_id", "name", "last_verified")) == entries
    else:
        assert Entry.objects.filter(external_id__in=["pro-1", "unit-1", "legal-1"]).count() == 3
