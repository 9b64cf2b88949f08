"""Historical contact records from a CSV file: every line checked first, then all stored or none.

Read and stored the way of every import (ecoute/lib/tabular.py). The columns and codes are
documented in docs/contacts.md. Each error names its line (the header is line 1) and says what is
expected.
"""

from datetime import date, datetime, time

from django.utils import timezone

from ecoute.accounts.models import Language
from ecoute.calls.models import Channel
from ecoute.lib import tabular

from . import actions, models
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
# A note may be as long as the contact form lets a psychologist write it.
CELL_LIMITS = {"note": NOTE_MAX_LENGTH}

ImportFailed = tabular.Rejected  # the name the command and the tests know


def read_bytes(data: bytes) -> list[dict]:
    """The records of a CSV file's bytes, every line checked; raises ImportFailed listing every error."""
    return tabular.check_rows(_rows(data), _checker(), CELL_LIMITS)


def import_bytes(data: bytes) -> int:
    """Check every line of a CSV file's bytes, then store all its records, or none; how many were stored."""
    return tabular.import_all_or_nothing(_rows(data), _checker(), actions.import_records, CELL_LIMITS)


def _rows(data: bytes) -> list[tuple[int, dict]]:
    rows = tabular.read_rows(data, REQUIRED, OPTIONAL)
    if not rows:
        raise ImportFailed([tabular.LineError(2, "", "le fichier ne contient aucune ligne de données")])
    return rows


def _checker():
    codes = _codes()
    return lambda line, row: _record(line, row, codes)


def _codes() -> dict:
    taxonomies = {column: model for column, (_field, model) in {**SINGLE, **MULTI}.items()}
    found = {
        column: {term.code: term for term in model.objects.all()} for column, model in taxonomies.items()
    }
    found["langue"] = set(Language.objects.values_list("code", flat=True))
    return found


def _record(line: int, row: dict, codes: dict) -> tuple[dict, list[tabular.LineError]]:
    """The record of the file's LINE, and what is wrong with it, column by column."""
    errors: list[tabular.LineError] = []

    def fault(column: str, message: str) -> None:
        errors.append(tabular.LineError(line, column, message))

    record: dict = {"started_at": _when(row.get("date", ""), fault)}
    record["duration_seconds"] = _minutes(row.get("duree_minutes", ""), fault)
    record["channel"] = row.get("canal") or Channel.PHONE
    if record["channel"] not in Channel.values:
        fault("canal", f"« {record['channel']} » inconnu (attendu : {', '.join(Channel.values)})")
    record["language"] = row.get("langue") or "fr"
    if record["language"] not in codes["langue"]:
        fault("langue", f"« {record['language']} » inconnue")
    answer = row.get("premier_appel", "").lower()
    if answer not in YES_NO:
        fault("premier_appel", f"« {answer} » : attendu oui ou non")
    record["returning"] = answer == "non"
    for column, (field, _model) in SINGLE.items():
        record[field] = _term(column, row.get(column, ""), codes[column], column in REQUIRED, fault)
    for column, (field, _model) in MULTI.items():
        values = [value.strip() for value in row.get(column, "").split("|") if value.strip()]
        if column in REQUIRED and not values:
            fault(column, "vide : au moins un code, séparés par |")
        record[field] = [_term(column, value, codes[column], True, fault) for value in values]
    record["note"] = row.get("note", "")
    return record, errors


def _term(column: str, code: str, known: dict, required: bool, fault):
    if not code:
        if required:
            fault(column, "vide")
        return None
    if code not in known:
        fault(column, f"code « {code} » inconnu (voir docs/contacts.md ou l'administration)")
        return None
    return known[code]


def _when(text: str, fault):
    try:
        moment = (
            datetime.fromisoformat(text)
            if "T" in text or " " in text
            else datetime.combine(date.fromisoformat(text), time(12))
        )
    except ValueError:
        fault("date", f"« {text} » illisible (attendu AAAA-MM-JJ ou AAAA-MM-JJTHH:MM)")
        return None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    if moment > timezone.now():
        fault("date", f"« {text} » dans le futur")
    elif moment.date() < tabular.EARLIEST_DATE:
        fault("date", f"« {text} » : avant {tabular.EARLIEST_DATE.year}, elle ne peut être juste")
    return moment


def _minutes(text: str, fault):
    if not text:
        return None
    try:
        minutes = int(text)
    except ValueError:
        fault("duree_minutes", f"« {text} » : un nombre entier de minutes")
        return None
    if not 0 <= minutes <= 24 * 60:
        fault("duree_minutes", f"« {text} » : entre 0 et 1440")
        return None
    return minutes * 60
