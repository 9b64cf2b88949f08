"""The dashboard's report as CSV and XLSX: the same suppressed figures, one row per cell."""

import csv
import io

from openpyxl import Workbook
from openpyxl.styles import Font

from ecoute.lib.tabular import safe_cell

from .suppression import min_cell

HEADER = ["section", "code", "libelle", "effectif", "part_pct"]
HIDDEN = "secret statistique"


def _count(value):
    return HIDDEN if value is None else value


def rows(report: dict) -> list[list]:
    """Every cell of REPORT, in the order of the dashboard; labels and codes are edited by
    administrators, so no text cell may run as a spreadsheet formula."""
    return [[safe_cell(value) for value in row] for row in _rows(report)]


def _rows(report: dict) -> list[list]:
    found = [["total", "", "Contacts sur la période", _count(report["total"]), ""]]
    found += [
        ["par_periode", point["start"], point["start"], _count(point["count"]), ""]
        for point in report["series"]
    ]
    grid = report["breakdown"]
    if grid is None:
        found.append(["repartitions", "", "Aucune période entière et terminée : pas de répartition", "", ""])
    else:
        # The breakdowns below count these days, not the period asked (anonymity: see docs/contacts.md).
        found.append(["repartitions", grid["start"], grid["end"], _count(grid["total"]), ""])
    found += _service_rows(report)
    found += _feedback_rows(report)
    found += _follow_up_rows(report)
    for dimension in report["dimensions"]:
        section = dimension["dimension"]
        found += [
            [section, row["code"], row["label"], row["count"], row["share"] or ""]
            for row in dimension["rows"]
        ]
        if dimension["other"]:
            other = dimension["other"]
            label = f"Autres ({other['cells']} valeurs de moins de {report['min_cell']} contacts, regroupées)"
            found.append([section, "autres", label, _count(other["count"]), other["share"] or ""])
    for day in report["heatmap"]:
        found += [
            [
                "heure_jour",
                f"{day['weekday']} {hour:02d}h",
                f"{day['weekday']} {hour:02d}h",
                _count(count),
                "",
            ]
            for hour, count in enumerate(day["hours"])
        ]
    return found


def _service_rows(report: dict) -> list[list]:
    """The service level (ecoute/calls/service_level.py) and the mean duration, as on the dashboard."""
    service, k = report["service"], report["min_cell"]
    rate, minutes = service["answer_rate"], report["average_minutes"]
    if rate is None:  # hidden beside a hidden count, else no call was over
        rate = HIDDEN if None in (service["answered"], service["abandoned"]) else ""
    return [
        ["service", "decroches", "Appels décrochés", _count(service["answered"]), ""],
        ["service", "abandonnes", "Appels abandonnés avant réponse", _count(service["abandoned"]), ""],
        ["service", "taux_decroche", "Taux de décroché (décrochés / (décrochés + abandonnés))", "", rate],
        [
            "duree_moyenne",
            "minutes",
            f"Durée moyenne d'un appel, en minutes (sur les répartitions ; masquée sous {k} appels)",
            "" if minutes is None else minutes,
            "",
        ],
    ]


# The answers to « Cet appel vous a-t-il aidé ? » (ecoute/feedback), as stored: oui, un peu, non.
HELPED_LABELS = {"yes": "oui", "partly": "un peu", "no": "non"}


def _feedback_rows(report: dict) -> list[list]:
    """The callers' anonymous feedback, per grid period and channel, as on the dashboard."""
    what = "Cet appel vous a-t-il aidé ? Du {start} au {end}, {channel}"
    return _counts_per_period(report["feedback"], "retours", what, HELPED_LABELS, total="réponses")


# Follow-ups (ecoute/followup), as counted: agreed with the caller, then kept by their coming back.
FOLLOW_UP_LABELS = {"planned": "convenus", "kept": "honorés"}


def _follow_up_rows(report: dict) -> list[list]:
    """The follow-ups agreed and kept, per grid period and channel, as on the dashboard."""
    what = "Suivis du {start} au {end}, {channel}"
    return _counts_per_period(report["follow_ups"], "suivis", what, FOLLOW_UP_LABELS)


def _counts_per_period(rows, section: str, what: str, labels: dict, total: str | None = None) -> list[list]:
    """One line per count of each grid period and channel (WHAT names them), then its TOTAL if asked."""
    found = []
    for row in rows:
        code = f"{row['start']} {row['channel']}"
        named = what.format(start=row["start"], end=row["end"], channel=row["channel_label"])
        found += [
            [section, f"{code} {key}", f"{named} : {labels[key]}", _count(count), ""]
            for key, count in row["counts"].items()
        ]
        if total:
            found.append([section, f"{code} total", f"{named} : {total}", _count(row["total"]), ""])
    return found


def _grid_note(report: dict) -> str:
    grid = report["breakdown"]
    if grid is None:
        return "répartitions : aucune période entière et terminée"
    return f"répartitions sur des périodes entières de {grid['months']} mois, du {grid['start']} au {grid['end']}"


def to_csv(report: dict) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow(
        [
            f"# Écoute, du {report['period']['start']} au {report['period']['end']}; {_grid_note(report)}; cellules de moins de {min_cell()} contacts masquées ou regroupées"
        ]
    )
    writer.writerow(HEADER)
    writer.writerows(rows(report))
    return buffer.getvalue()


def to_xlsx(report: dict) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "Statistiques"
    sheet.append([f"Écoute, du {report['period']['start']} au {report['period']['end']}"])
    sheet.append(
        [
            f"{_grid_note(report).capitalize()} ; cellules de moins de {min_cell()} contacts masquées ou regroupées (secret statistique)"
        ]
    )
    sheet.append(HEADER)
    for cell in sheet[3]:
        cell.font = Font(bold=True)
    for row in rows(report):
        sheet.append(row)
    sheet.column_dimensions["A"].width = 16
    sheet.column_dimensions["C"].width = 60
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
