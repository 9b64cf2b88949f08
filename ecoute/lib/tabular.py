"""Files of rows exchanged with people: how a CSV is imported, the escaping of an exported cell.

Both importers (directory, contacts) go the same way, here: `read_rows` reads an uploaded file
within its limits (size, lines, cells) against the importer's columns, then `import_all_or_nothing`
has every row checked by the importer and stores them all in one transaction, or nothing. Every
problem is a `LineError` naming its line (the header is line 1, 0 the whole file) and column, in
the same words for both. Every export (CSV and XLSX) writes its text cells through `safe_cell`.
"""

import csv
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date

from django.db import transaction

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_LINES = 20000
MAX_CELL_CHARS = 2000
DELIMITERS = ",;"
# No record of the line, nor check of a directory entry, can be older than this.
EARLIEST_DATE = date(2000, 1, 1)

# A spreadsheet runs a cell starting with one of these as a formula (OWASP "CSV injection"); Excel
# and LibreOffice also skip leading blanks, and read the full-width forms as the ASCII ones.
FORMULA_STARTS = frozenset("=+-@\t\r\n＝＋－＠")

# csv's own limit on a field (128 Ko) would refuse a huge cell before it can be named with its
# column: a field may be as big as the file, and cell_problem says which one is too long.
csv.field_size_limit(max(csv.field_size_limit(), MAX_FILE_BYTES))


class FileProblem(Exception):
    """What makes an uploaded file unreadable as a whole, with the line where it was found (0: the file)."""

    def __init__(self, line: int, message: str):
        super().__init__(message)
        self.line = line


def decode(data: bytes, max_bytes: int = MAX_FILE_BYTES) -> str:
    """The text of an uploaded CSV: not too big, UTF-8 (Excel's byte-order mark allowed), no NUL byte."""
    if len(data) > max_bytes:
        raise FileProblem(
            0, f"fichier trop gros ({len(data) // 1024} Ko ; {max_bytes // (1024 * 1024)} Mo au plus)."
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise FileProblem(line, "le fichier doit être enregistré en UTF-8.") from None
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise FileProblem(line, "caractère nul (octet 0) : ce n’est pas un fichier texte CSV.")
    return text


def delimiter_of(text: str) -> str:
    """The separator of a CSV whose header names several columns: a comma or a semicolon."""
    header = text.split("\n", 1)[0]
    if not any(mark in header for mark in DELIMITERS):
        raise FileProblem(1, "séparateur attendu : virgule ou point-virgule entre les noms de colonnes.")
    return ";" if header.count(";") > header.count(",") else ","


def records(text: str, delimiter: str, max_lines: int = MAX_LINES):
    """(line where it starts, values) for each record of TEXT, the header first (line 1); blank lines skipped."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    start, count = 1, 0
    while True:
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error:  # a quote left open, or another break of the format
            raise FileProblem(start, "ligne illisible : un guillemet est-il resté ouvert ?") from None
        if any(value.strip() for value in values):
            count += 1
            if count > max_lines + 1:
                raise FileProblem(start, f"plus de {max_lines} lignes : découpez le fichier.")
            yield start, values
        start = reader.line_num + 1


@dataclass
class LineError:
    """One problem of an imported file, where a person finds it: its line (1: the header, 0: the
    whole file) and its column, if it is one cell's."""

    line: int
    column: str
    message: str

    def __str__(self) -> str:
        where = f"ligne {self.line}" + (f", colonne « {self.column} »" if self.column else "")
        return f"{where} : {self.message}"


class Rejected(Exception):
    """The file was not imported and nothing changed; `errors` lists every problem found."""

    def __init__(self, errors: list[LineError]):
        super().__init__(f"{len(errors)} erreur(s)")
        self.errors = errors

    def listing(self, limit: int = 50) -> str:
        """The errors, one a line, the first LIMIT of them (a file wrong throughout would flood a terminal)."""
        shown = "\n".join(str(error) for error in self.errors[:limit])
        more = len(self.errors) - limit
        return shown + (f"\n… et {more} autres erreurs" if more > 0 else "")


def read_rows(
    data: bytes,
    required: list[str],
    optional: list[str],
    max_bytes: int = MAX_FILE_BYTES,
    max_lines: int = MAX_LINES,
) -> list[tuple[int, dict]]:
    """(line, {column: value}) for each row of a CSV file's bytes, the header naming the columns.

    Raises Rejected if the file cannot be read as a whole (size, encoding, separator, quotes, number of
    lines), if its header names an unknown column, twice the same or misses a required one, or if a row
    has another number of values than the header: its cells would land in the wrong columns.
    """
    try:
        text = decode(data, max_bytes)
        lines = records(text, delimiter_of(text), max_lines)
        header = [name.strip() for name in next(lines, (1, []))[1]]
        _check_header(header, required, optional)
        rows, errors = [], []
        for line, values in lines:
            if len(values) != len(header):
                errors.append(LineError(line, "", f"{len(values)} valeurs pour {len(header)} colonnes."))
            rows.append((line, dict(zip(header, values))))
    except FileProblem as problem:
        raise Rejected([LineError(problem.line, "", str(problem))]) from None
    if errors:
        raise Rejected(errors)
    return rows


def _check_header(header: list[str], required: list[str], optional: list[str]) -> None:
    allowed = required + optional
    errors = [
        LineError(1, name, f"colonne inconnue (colonnes permises : {', '.join(allowed)}).")
        for name in header
        if name not in allowed
    ]
    errors += [LineError(1, name, "colonne obligatoire absente.") for name in required if name not in header]
    duplicates = {name for name in header if header.count(name) > 1}
    errors += [LineError(1, name, "colonne en double.") for name in sorted(duplicates)]
    if errors:
        raise Rejected(errors)


# What an importer makes of one row: its values, and the problems found (empty when the row is right).
RowCheck = Callable[[int, dict], tuple[object, list[LineError]]]


def check_rows(rows: Iterable[tuple[int, dict]], check: RowCheck, cell_limits: dict | None = None) -> list:
    """What CHECK makes of every row, once each cell is within its limit (MAX_CELL_CHARS, or the
    column's in CELL_LIMITS); raises Rejected listing the problems of every row, not only the first."""
    checked, errors = [], []
    for line, row in rows:
        row = {name: (value or "").strip() for name, value in row.items()}
        problems = [
            LineError(line, name, problem)
            for name, value in row.items()
            if (problem := cell_problem(value, (cell_limits or {}).get(name, MAX_CELL_CHARS)))
        ]
        if problems:
            errors += problems  # the row is refused; its other columns are not worth reading
            continue
        values, row_errors = check(line, row)
        checked.append(values)
        errors += row_errors
    if errors:
        raise Rejected(errors)
    return checked


def import_all_or_nothing(
    rows: Iterable[tuple[int, dict]],
    check: RowCheck,
    store: Callable[[list], object],
    cell_limits: dict | None = None,
):
    """Every row checked first (check_rows), then STORE given them all in one transaction: one wrong
    row, or a failure while storing, and nothing is stored. Returns what STORE returns."""
    checked = check_rows(rows, check, cell_limits)
    with transaction.atomic():
        return store(checked)


def cell_problem(value: str, max_chars: int = MAX_CELL_CHARS) -> str | None:
    """Why VALUE cannot be stored as one cell's text, or None."""
    if len(value) > max_chars:
        return f"{len(value)} caractères ; {max_chars} au plus."
    if any(ord(char) < 32 and char not in "\t\r\n" for char in value):
        return "caractère de contrôle invisible : retirez-le."
    return None


def safe_cell(value):
    """VALUE as an export writes it: numbers as they are, text quoted where a spreadsheet would run it."""
    if value is None or isinstance(value, (int, float)):
        return value
    value = str(value)  # a translated label arrives as a lazy string
    if value[:1] in FORMULA_STARTS or value.lstrip()[:1] in FORMULA_STARTS:
        return "'" + value
    return value
