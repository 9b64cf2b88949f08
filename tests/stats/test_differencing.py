"""The differencing attack: a statistics user asks for overlapping periods, through the API, the
exports and the public figures, subtracts what comes back, and tries to learn a cell under k
(one contact from département 06 on one day). Nothing under k may come out, nor out of a total
minus the cells shown beside it."""

import csv
import io
from collections import defaultdict
from datetime import date, datetime, time, timedelta

import pytest
from django.utils import timezone

from ecoute.accounts.models import Role
from ecoute.contacts.generate import generate
from ecoute.contacts.models import ContactRecord, ContactTally, Departement, Profession, Span
from ecoute.contacts.tallies import rebuild
from ecoute.stats.figures import DIMENSIONS
from ecoute.stats.suppression import suppress
from tests.support.contacts import make_staff
from tests.support.twofactor import log_in

pytestmark = pytest.mark.django_db
K = 10
SINGLE = {name for name, (_title, _source, several) in DIMENSIONS.items() if not several}


class Table:
    """What one answer says: the days its cells count, and per dimension the cells shown, what is merged, the total."""

    def __init__(self, first: date, last: date, total, cells: dict, others: dict):
        self.first, self.last, self.total, self.cells, self.others = first, last, total, cells, others

    def days(self) -> set[date]:
        return {self.first + timedelta(days=n) for n in range((self.last - self.first).days + 1)}


def from_json(report: dict, asked: tuple[date, date]) -> Table:
    """The breakdown's own period when the answer states one, otherwise the period asked."""
    grid = report.get("breakdown")
    if grid is not None:
        first, last, total = date.fromisoformat(grid["start"]), date.fromisoformat(grid["end"]), grid["total"]
    else:
        (first, last), total = asked, report.get("total", report.get("since_opening"))
    cells = {d["dimension"]: {row["code"]: row["count"] for row in d["rows"]} for d in report["dimensions"]}
    others = {d["dimension"]: d["other"] for d in report["dimensions"]}
    return Table(first, last, total, cells, others)


def from_csv(text: str, asked: tuple[date, date]) -> Table:
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))[2:]
    first, last = asked
    total = (
        next(int(row[3]) for row in rows if row[0] == "total" and row[3].isdigit())
        if any(r[0] == "total" and r[3].isdigit() for r in rows)
        else None
    )
    cells, others = defaultdict(dict), {}
    for section, code, _label, count, _share in rows:
        if section == "repartitions":
            first, last, total = (
                date.fromisoformat(code),
                date.fromisoformat(_label),
                int(count) if count.isdigit() else None,
            )
        elif section in DIMENSIONS:
            if code == "autres":
                others[section] = {"count": int(count) if count.isdigit() else None, "cells": None}
            elif count.isdigit():
                cells[section][code] = int(count)
    return Table(first, last, total, dict(cells), others)


def truth(days: set[date]) -> dict[tuple[str, str], int]:
    found: dict[tuple[str, str], int] = defaultdict(int)
    for dimension, value, count in ContactTally.objects.filter(span=Span.DAY, day__in=days).values_list(
        "dimension", "value", "count"
    ):
        found[(dimension, value)] += count
    return found


def recovered(tables: list[Table]) -> set:
    """Every cell under K that subtracting one answer from another (or the shown cells from a total) gives exactly."""
    found = set()
    distinct = {(t.first, t.last, tuple(sorted(t.cells))): t for t in tables}.values()
    for small in distinct:
        for large in distinct:
            if small is large or not (large.first <= small.first and small.last <= large.last):
                continue
            rest = large.days() - small.days()
            if not rest:
                continue
            real = truth(rest)
            for dimension, shown in large.cells.items():
                for code, count in shown.items():
                    before = small.cells.get(dimension, {}).get(code)
                    if before is None or count is None:
                        continue
                    difference = count - before
                    if 0 < difference < K and difference == real[(dimension, code)]:
                        found.add((dimension, code, min(rest), max(rest), difference))
                merged = [(table.others.get(dimension) or {}).get("count") for table in (large, small)]
                if None not in merged and 0 < merged[0] - merged[1] < K:
                    # What is merged differs by a few contacts: a sum of hidden cells under k.
                    found.add((dimension, "autres", min(rest), max(rest), merged[0] - merged[1]))
    for table in distinct:
        if table.total is None:
            continue
        for dimension in SINGLE & set(table.cells):
            other = table.others.get(dimension) or {}
            left = table.total - sum(table.cells[dimension].values()) - (other.get("count") or 0)
            if 0 < left < K and (not other or other.get("count") is None):
                # What the total leaves over is hidden and said nowhere: a small sum of hidden cells.
                hidden = [
                    code
                    for (dim, code), n in truth(table.days()).items()
                    if dim == dimension and n and code not in table.cells[dimension]
                ]
                if len(hidden) == 1:
                    found.add((dimension, hidden[0], table.first, table.last, left))
    return found


@pytest.fixture
def line(settings):
    """Seven months of contacts, and one nurse from département 06 on a day of their own."""
    settings.ECOUTE_STATS_MIN_CELL = K
    today = timezone.localdate()
    generate(900, days=210, seed=11)
    zone = timezone.get_current_timezone()
    record = (
        ContactRecord.objects.filter(
            started_at__gte=datetime.combine(today - timedelta(days=100), time.min, zone)
        )
        .order_by("started_at")
        .first()
    )
    day = timezone.localtime(record.started_at).date()
    same_day = (
        datetime.combine(day, time.min, zone),
        datetime.combine(day + timedelta(days=1), time.min, zone),
    )
    ContactRecord.objects.filter(
        started_at__gte=same_day[0], started_at__lt=same_day[1], departement__code="06"
    ).update(departement=None)
    record.departement = Departement.objects.get(code="06")
    record.profession = Profession.objects.get(code="veterinaire")
    record.save()
    rebuild()
    first = ContactTally.objects.filter(span=Span.DAY, dimension="total").order_by("day").first().day
    return {"today": today, "first": first, "rare": day}


def around(*days: date) -> list[date]:
    return sorted({day + timedelta(days=shift) for day in days for shift in (-1, 0, 1)})


def periods(line) -> list[tuple[date, date]]:
    """Overlapping periods as an attacker would choose them: a day more, a day less, at either end."""
    today, rare = line["today"], line["rare"]
    quarter = date(rare.year, 3 * ((rare.month - 1) // 3) + 1, 1)
    starts = around(line["first"], rare, quarter) + [rare - timedelta(days=30)]
    ends = around(rare, today - timedelta(days=1), quarter - timedelta(days=1)) + [rare + timedelta(days=30)]
    return [(first, last) for first in starts for last in ends if first <= last and last <= today]


def day_by_day(first: date, last: date) -> Table:
    """A table counted over the very days asked, each cell suppressed on its own: what Écoute did before."""
    days = Table(first, last, None, {}, {}).days()
    cells: dict[str, dict[str, int]] = defaultdict(dict)
    for (dimension, code), count in truth(days).items():
        cells[dimension][code] = count
    shown = {dimension: suppress(cells[dimension], K) for dimension in DIMENSIONS}
    return Table(first, last, None, {d: s.visible for d, s in shown.items()}, {d: None for d in shown})


def test_the_attack_finds_the_nurse_from_06_when_periods_follow_the_days_asked(line):
    """The attack itself works: on figures counted over the days asked, it finds the one contact of the day."""
    found = recovered([day_by_day(first, last) for first, last in periods(line)])
    assert ("departement", "06", line["rare"], line["rare"], 1) in found


def test_overlapping_periods_give_back_no_cell_under_k(client, line):
    log_in(client, make_staff(Role.STATISTICIAN))
    tables = []
    for first, last in periods(line):
        asked = {"du": first.isoformat(), "au": last.isoformat()}
        tables.append(from_json(client.get("/api/stats/report", asked).json(), (first, last)))
    tables.append(from_json(client.get("/api/stats/public").json(), (line["first"], line["today"])))
    assert any(table.cells["profession"] for table in tables)  # figures are shown, not all withheld
    found = recovered(tables)
    assert not found, f"{len(found)} cells under {K} recovered, e.g. {sorted(found)[:5]}"


def test_the_exports_give_back_no_cell_under_k_either(client, line):
    log_in(client, make_staff(Role.SUPERVISOR))
    tables = []
    for first, last in periods(line)[::2]:
        asked = {"du": first.isoformat(), "au": last.isoformat()}
        tables.append(from_csv(client.get("/statistiques/export.csv", asked).content.decode(), (first, last)))
    assert any(table.cells.get("profession") for table in tables)
    found = recovered(tables)
    assert not found, f"{len(found)} cells under {K} recovered, e.g. {sorted(found)[:5]}"
