"""Files of rows exchanged with people: the limits of an imported CSV, the escaping of an exported cell.

The two importers (directory, contacts) check their own columns; what any uploaded file must
respect, whatever its columns, is here, with the same words in both. Every export (CSV and XLSX)
writes its text cells through `safe_cell`.
"""

import csv
import io
from datetime import date

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
