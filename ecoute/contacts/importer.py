"""Historical contact records from a CSV file: every line checked first, then all stored or none.

The columns and codes are documented in docs/contacts.md. Each error names its line (the header
is line 1) and says what is expected.
"""

import io
from datetime import date, datetime, time

from django.utils import timezone

from ecoute.accounts.models import Language
from ecoute.calls.models import Channel
from ecoute.lib import tabular

from . import models
from .forms import NOTE_MAX_LENGTH

REQUIRED = ["date", "profession", "statut", "motifs"]
OPTIONAL = [
    "duree_minutes",
    "canal",
    "langue",
    "premier_appel",
    "secteur",
    "departement",
    "tranche_age",
    "risque",
    "orientations",
    "suite",
    "note",
]
# Column -> (record field, taxonomy)
SINGLE = {
    "profession": ("profession", models.Profession),
    "statut": ("employment", models.EmploymentStatus),
    "secteur": ("sector", models.Sector),
    "departement": ("departement", models.Departement),
    "tranche_age": ("age_band", models.AgeBand),
    "risque": ("risk_level", models.RiskLevel),
    "suite": ("follow_up", models.FollowUp),
}
MULTI = {"motifs": ("reasons", models.Reason), "orientations": ("orientations", models.Orientation)}
YES_NO = {"oui": True, "non": False, "": False}
MAX_REPORTED = 50


class ImportFailed(Exception):
    def __init__(self, errors: list[str]):
        self.errors = errors
        shown = errors[:MAX_REPORTED]
        more = f"\n… et {len(errors) - MAX_REPORTED} autres erreurs" if len(errors) > MAX_REPORTED else ""
        super().__init__("\n".join(shown) + more)


def read_bytes(data: bytes) -> list[dict]:
    """The records of a CSV file's bytes, validated; raises ImportFailed listing every error."""
    try:
        text = tabular.decode(data)
    except tabular.FileProblem as problem:
        raise ImportFailed([f"ligne {problem.line} : {problem}"]) from None
    return read(io.StringIO(text))


def read(stream) -> list[dict]:
    """The records of the CSV in STREAM (text), validated; raises ImportFailed listing every error."""
    text = stream.read()
    try:
        records = tabular.records(text, tabular.delimiter_of(text))
        header = [name.strip() for name in next(records, (1, []))[1]]
        header_errors = _check_header(header)
        if header_errors:
            raise ImportFailed(header_errors)
        codes = _codes()
        rows, errors = [], []
        for line, values in records:
            if len(values) > len(header):
                errors.append(f"ligne {line} : plus de valeurs que de colonnes")
                continue
            record, row_errors = _record(dict(zip(header, values)), codes)
            errors += [f"ligne {line} : {error}" for error in row_errors]
            rows.append(record)
    except tabular.FileProblem as problem:
        raise ImportFailed([f"ligne {problem.line} : {problem}"]) from None
    if errors:
        raise ImportFailed(errors)
    if not rows:
        raise ImportFailed(["le fichier ne contient aucune ligne de données"])
    return rows


def _check_header(names: list[str]) -> list[str]:
    names = [name.strip() for name in names]
    errors = []
    missing = [name for name in REQUIRED if name not in names]
    unknown = [name for name in names if name not in REQUIRED + OPTIONAL]
    if missing:
        errors.append(f"ligne 1 : colonnes obligatoires absentes : {', '.join(missing)}")
    if unknown:
        errors.append(
            f"ligne 1 : colonnes inconnues : {', '.join(unknown)} (colonnes permises : {', '.join(REQUIRED + OPTIONAL)})"
        )
    return errors


def _codes() -> dict:
    taxonomies = {column: model for column, (_field, model) in {**SINGLE, **MULTI}.items()}
    found = {
        column: {term.code: term for term in model.objects.all()} for column, model in taxonomies.items()
    }
    found["langue"] = set(Language.objects.values_list("code", flat=True))
    return found


def _record(row: dict, codes: dict) -> tuple[dict, list[str]]:
    row = {key.strip(): (value or "").strip() for key, value in row.items()}
    problems = [
        (column, tabular.cell_problem(value, NOTE_MAX_LENGTH if column == "note" else tabular.MAX_CELL_CHARS))
        for column, value in row.items()
    ]
    errors = [f"colonne « {column} » : {problem}" for column, problem in problems if problem]
    if errors:
        return {}, errors  # the line is refused; its other columns are not worth reading
    record: dict = {"started_at": _when(row.get("date", ""), errors)}
    record["duration_seconds"] = _minutes(row.get("duree_minutes", ""), errors)
    record["channel"] = row.get("canal") or Channel.PHONE
    if record["channel"] not in Channel.values:
        errors.append(f"canal « {record['channel']} » inconnu (attendu : {', '.join(Channel.values)})")
    record["language"] = row.get("langue") or "fr"
    if record["language"] not in codes["langue"]:
        errors.append(f"langue « {record['language']} » inconnue")
    answer = row.get("premier_appel", "").lower()
    if answer not in YES_NO:
        errors.append(f"premier_appel « {answer} » : attendu oui ou non")
    record["returning"] = answer == "non"
    for column, (field, _model) in SINGLE.items():
        record[field] = _term(column, row.get(column, ""), codes[column], column in REQUIRED, errors)
    for column, (field, _model) in MULTI.items():
        values = [value.strip() for value in row.get(column, "").split("|") if value.strip()]
        if column in REQUIRED and not values:
            errors.append(f"colonne « {column} » vide : au moins un code, séparés par |")
        record[field] = [_term(column, value, codes[column], True, errors) for value in values]
    record["note"] = row.get("note", "")
    return record, errors


def _term(column: str, code: str, known: dict, required: bool, errors: list[str]):
    if not code:
        if required:
            errors.append(f"colonne « {column} » vide")
        return None
    if code not in known:
        errors.append(
            f"colonne « {column} » : code « {code} » inconnu (voir docs/contacts.md ou l'administration)"
        )
        return None
    return known[code]


def _when(text: str, errors: list[str]):
    try:
        moment = (
            datetime.fromisoformat(text)
            if "T" in text or " " in text
            else datetime.combine(date.fromisoformat(text), time(12))
        )
    except ValueError:
        errors.append(f"date « {text} » illisible (attendu AAAA-MM-JJ ou AAAA-MM-JJTHH:MM)")
        return None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    if moment > timezone.now():
        errors.append(f"date « {text} » dans le futur")
    elif moment.date() < tabular.EARLIEST_DATE:
        errors.append(f"date « {text} » : avant {tabular.EARLIEST_DATE.year}, elle ne peut être juste")
    return moment


def _minutes(text: str, errors: list[str]):
    if not text:
        return None
    try:
        minutes = int(text)
    except ValueError:
        errors.append(f"duree_minutes « {text} » : un nombre entier de minutes")
        return None
    if not 0 <= minutes <= 24 * 60:
        errors.append(f"duree_minutes « {text} » : entre 0 et 1440")
        return None
    return minutes * 60
