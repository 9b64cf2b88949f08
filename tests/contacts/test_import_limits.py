"""What a historical contacts file may hold: refused with the line and column, nothing stored, for
NUL bytes, huge cells, notes longer than the contact form allows, huge files, dates outside the
line's history, another encoding or separator. Then Hypothesis puts random values in every column."""

import csv
import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ecoute.contacts.forms import NOTE_MAX_LENGTH
from ecoute.contacts.importer import OPTIONAL, REQUIRED, ImportFailed, read_bytes
from ecoute.contacts.models import ContactRecord, ContactTally
from ecoute.lib import tabular
from tests.contacts.test_import import GOOD, HEADER

pytestmark = pytest.mark.django_db
COLUMNS = HEADER.strip().split(";")


def with_cell(column: str, value: str) -> bytes:
    """The GOOD file with VALUE in COLUMN of its second record (line 3)."""
    rows = [dict(zip(COLUMNS, line.rstrip("\n").split(";"))) for line in GOOD]
    for row in rows:
        row.setdefault(column, "")
    rows[1][column] = value
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(dict.fromkeys(COLUMNS + [column])), delimiter=";")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode()


def refused(tmp_path: Path, data: bytes) -> str:
    path = tmp_path / "fiches.csv"
    path.write_bytes(data)
    counts = ContactRecord.objects.count(), ContactTally.objects.count()
    with pytest.raises(CommandError) as failure:
        call_command("import_contacts", str(path))
    assert (ContactRecord.objects.count(), ContactTally.objects.count()) == counts  # nothing stored
    message = str(failure.value)
    assert message.startswith("Aucune fiche importée") and "Traceback" not in message
    return message


def test_a_nul_byte_is_refused_with_its_line(tmp_path):
    assert "ligne 3 : caractère nul (octet 0)" in refused(tmp_path, with_cell("note", "une\x00note"))


@pytest.mark.parametrize("column", ["profession", "secteur", "motifs", "langue"])
def test_a_huge_cell_is_refused_with_its_line_and_column(tmp_path, column):
    assert f"ligne 3, colonne « {column} » : 200000 caractères ; 2000 au plus." in refused(
        tmp_path, with_cell(column, "x" * 200_000)
    )


def test_a_note_may_be_as_long_as_the_forms_and_no_longer(tmp_path):
    message = refused(tmp_path, with_cell("note", "n" * (NOTE_MAX_LENGTH + 1)))
    assert (
        f"ligne 3, colonne « note » : {NOTE_MAX_LENGTH + 1} caractères ; {NOTE_MAX_LENGTH} au plus."
        in message
    )
    assert len(read_bytes(with_cell("note", "n" * NOTE_MAX_LENGTH))) == 2
    assert "100000 caractères" in refused(tmp_path, with_cell("note", "n" * 100_000))


@pytest.mark.parametrize(
    "day, words",
    [
        ("0001-01-01", "avant 2000"),
        ("1999-12-31T23:00", "avant 2000"),
        ("9999-12-31", "dans le futur"),
        ("2019-02-30", "illisible"),
    ],
)
def test_dates_outside_the_lines_history_are_refused(tmp_path, day, words):
    message = refused(tmp_path, with_cell("date", day))
    assert f"ligne 3, colonne « date » : « {day} »" in message and words in message


def test_a_file_too_big_or_not_utf8_or_tab_separated_is_refused(tmp_path):
    assert "fichier trop gros" in refused(tmp_path, b"x" * (tabular.MAX_FILE_BYTES + 10))
    assert "UTF-8" in refused(tmp_path, (HEADER + "".join(GOOD)).encode("utf-16"))
    assert "ligne 1 : séparateur attendu" in refused(
        tmp_path, (HEADER + "".join(GOOD)).replace(";", "\t").encode()
    )


def test_a_quote_left_open_is_refused_not_crashed(tmp_path):
    huge = GOOD[1].replace("note historique", '"' + "x" * 200_000)
    message = refused(tmp_path, (HEADER + GOOD[0] + huge).encode())
    assert "ligne 3" in message


cell_values = st.one_of(
    st.text(max_size=40),
    st.text(max_size=2200),
    st.sampled_from(
        [
            "",
            " ",
            "\x07",
            "²",
            "-1",
            "1441",
            "9" * 40,
            "0001-01-01",
            "9999-12-31",
            "2019-03-04T25:00",
            "2019-03-04T21:15+14:00",
            "oui",
            "NON",
            "a|b",
            "|",
            '"',
            "\r\n",
            ";",
            "=1+1",
            "＝1",
            "x" * 2001,
            "fr",
            "zz",
            "infirmier",
            "epuisement|sommeil",
        ]
    ),
)


@settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(column=st.sampled_from(REQUIRED + OPTIONAL), value=cell_values)
def test_any_value_in_any_column_is_read_or_refused_with_its_line(column, value):
    try:
        rows = read_bytes(with_cell(column, value))
    except ImportFailed as failure:
        assert failure.errors and all(str(error).startswith("ligne ") for error in failure.errors)
    else:
        assert len(rows) == 2
