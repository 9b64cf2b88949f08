"""The statistics of the line, read from the daily tallies and suppressed before anyone sees them.

`report` builds everything the dashboard, the exports and the API show for a period; `public_report`
the headline figures of the public page. Both pass every cell through ecoute.stats.suppression:
nothing leaves this module unsuppressed. Counts of contacts alone (the period's total, the series)
follow the days asked; everything broken down by a variable (and the heat map, the mean duration)
is counted over whole grid periods only (`grid_span`), so that no two answers differ by a few days.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import IntegerField, Sum
from django.db.models.functions import Cast, ExtractMonth, ExtractYear
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ecoute.calls import service_level
from ecoute.calls.models import Call, Channel
from ecoute.contacts import models as contacts
from ecoute.contacts.models import ContactTally, Span
from ecoute.contacts.tallies import DURATION_BANDS, LONGEST_BAND, UNKNOWN
from ecoute.feedback.models import FeedbackCount, Helped
from ecoute.followup.models import FollowUpCount, Outcome
from ecoute.lib.i18n import translated
from ecoute.lib.tabular import EARLIEST_DATE

from .suppression import Suppressed, grid_months, min_cell, suppress, suppress_each

MAX_DAYS = 366 * 30
# The dates a period may take: the line keeps no record before 2000 (ecoute.lib.tabular), and a
# year ahead is as far as a plan looks. Outside, date arithmetic overflows (year 1, year 9999).
DAYS_AHEAD = 366
STEPS = {"jour": "day", "semaine": "week", "mois": "month"}
WEEKDAYS = [_("lundi"), _("mardi"), _("mercredi"), _("jeudi"), _("vendredi"), _("samedi"), _("dimanche")]

# Dimension -> (title, taxonomy model or fixed labels, several values per contact?)
DIMENSIONS = {
    "reason": (_("Motifs d'appel"), contacts.Reason, True),
    "profession": (_("Professions"), contacts.Profession, False),
    "employment": (_("Statut d'exercice"), contacts.EmploymentStatus, False),
    "sector": (_("Secteurs"), contacts.Sector, False),
    "departement": (_("Départements"), contacts.Departement, False),
    "age_band": (_("Âge"), contacts.AgeBand, False),
    "returning": (_("Premier appel ou non"), {"non": _("Premier appel"), "oui": _("A déjà appelé")}, False),
    "orientation": (_("Orientations données"), contacts.Orientation, True),
    "follow_up": (_("Suites prévues"), contacts.FollowUp, False),
    "risk": (_("Niveau de risque"), contacts.RiskLevel, False),
    "duration_band": (
        _("Durée des appels"),
        {
            code: label
            for code, label in [
                ("0-5", _("moins de 5 min")),
                ("5-15", _("5 à 15 min")),
                ("15-30", _("15 à 30 min")),
                ("30-60", _("30 min à 1 h")),
                (LONGEST_BAND, _("plus d'1 h")),
            ]
        },
        False,
    ),
    "channel": (_("Canal"), dict(Channel.choices), False),
}
PUBLIC_DIMENSIONS = ("reason", "profession", "employment")
# Days after a grid period ends before its breakdowns are shown: a record may be saved some time
# after its call (the wrap-up form waits), and each late record would otherwise show up as a change.
SETTLE_DAYS = 7
DURATION_ORDER = [code for _upper, code in DURATION_BANDS] + [LONGEST_BAND]


class PeriodError(ValueError):
    """A period the dashboard, an export or the API cannot show; the message says why."""


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # included
    step: str = "month"

    @classmethod
    def default(cls) -> "Period":
        today = timezone.localdate()
        first = date(today.year - 1, today.month, 1) + timedelta(days=32)
        return cls(first.replace(day=1), today)

    @classmethod
    def parse(cls, start: str | None, end: str | None, step: str | None = None) -> "Period":
        default = cls.default()
        try:
            first = date.fromisoformat(start) if start else default.start
            last = date.fromisoformat(end) if end else default.end
        except ValueError:
            raise PeriodError(_("Dates attendues au format AAAA-MM-JJ, par exemple 2025-01-31.")) from None
        latest = timezone.localdate() + timedelta(days=DAYS_AHEAD)
        if not (EARLIEST_DATE <= first <= latest and EARLIEST_DATE <= last <= latest):
            raise PeriodError(
                _("Dates attendues entre le %(earliest)s et le %(latest)s.")
                % {"earliest": EARLIEST_DATE.strftime("%d/%m/%Y"), "latest": latest.strftime("%d/%m/%Y")}
            )
        if last < first:
            raise PeriodError(_("La fin de la période précède son début."))
        if (last - first).days > MAX_DAYS:
            raise PeriodError(_("Période trop longue : 30 ans au plus."))
        if step and step not in STEPS:
            raise PeriodError(_("Pas attendu : jour, semaine ou mois."))
        return cls(first, last, STEPS.get(step or "", "day" if (last - first).days <= 62 else "month"))


def _labels(source) -> dict[str, str]:
    if isinstance(source, dict):
        labels = {code: str(label) for code, label in source.items()}
    else:
        labels = {code: translated(label) for code, label in source.objects.values_list("code", "label")}
    labels[UNKNOWN] = str(_("Non renseigné"))
    return labels


def add_months(first: date, months: int) -> date:
    years, month = divmod(first.month - 1 + months, 12)
    return date(first.year + years, month + 1, 1)


def _grid_start(day: date, months: int) -> date:
    """The first day of the grid period holding DAY (periods of MONTHS months from 1 January)."""
    return date(day.year, (day.month - 1) // months * months + 1, 1)


def grid_span(
    period: Period, months: int | None = None, today: date | None = None
) -> tuple[date, date] | None:
    """The whole grid periods that overlap PERIOD and have ended: where its breakdowns are counted.

    A breakdown never follows the days asked: two requests a day apart would differ by that day's
    contacts. The current grid period is left out until it ends, and a few days more while the
    last records of its calls are saved, for the same reason over time.
    """
    months = months or grid_months()
    settled = (today or timezone.localdate()) - timedelta(days=SETTLE_DAYS)
    first = _grid_start(period.start, months)
    last = min(_grid_start(period.end, months), add_months(_grid_start(settled, months), -months))
    if last < first:
        return None
    return first, add_months(last, months) - timedelta(days=1)


def _unit_sums(span: tuple[date, date] | None, months: int) -> list[dict[str, dict[str, int]]]:
    """Per grid period of SPAN: dimension -> value -> contacts, summed from the month counts in one query."""
    if span is None:
        return []
    month = Cast(ExtractMonth("day"), IntegerField()) - 1
    unit = Cast(ExtractYear("day"), IntegerField()) * 12 + month / months * months  # integer division
    rows = (
        ContactTally.objects.filter(span=Span.MONTH, day__range=span)
        .annotate(unit=unit)
        .values_list("unit", "dimension", "value")
        .annotate(n=Sum("count"))
        .order_by()
    )
    units: dict[int, dict[str, dict[str, int]]] = defaultdict(lambda: defaultdict(dict))
    for key, dimension, value, count in rows:
        units[key][dimension][value] = count
    return list(units.values())


def _daily_totals(period: Period) -> dict[date, int]:
    rows = ContactTally.objects.filter(
        span=Span.DAY, dimension="total", day__range=(period.start, period.end)
    ).values_list("day", "count")
    return dict(rows)


def _bucket(day: date, step: str) -> date:
    if step == "month":
        return day.replace(day=1)
    if step == "week":
        return day - timedelta(days=day.weekday())
    return day


def _buckets(period: Period) -> list[date]:
    found, day = [], _bucket(period.start, period.step)
    while day <= period.end:
        found.append(day)
        if period.step == "month":
            day = (day + timedelta(days=32)).replace(day=1)
        else:
            day += timedelta(days=7 if period.step == "week" else 1)
    return found


def _series(period: Period, daily: dict[date, int], k: int) -> list[dict]:
    counts = {bucket.isoformat(): 0 for bucket in _buckets(period)}
    for day, count in daily.items():
        counts[_bucket(day, period.step).isoformat()] += count
    shown = suppress(counts, k)
    return [{"start": key, "count": shown.value(key)} for key in counts]


def _distribution(dimension: str, shown: Suppressed, total: int | None) -> dict:
    title, source, multiple = DIMENSIONS[dimension]
    labels = _labels(source)
    order = DURATION_ORDER if dimension == "duration_band" else None
    rows = [
        {"code": code, "label": labels.get(code, code), "count": count, "share": _share(count, total)}
        for code, count in shown.visible.items()
        if count
    ]
    rows.sort(
        key=(lambda row: order.index(row["code"]) if row["code"] in order else 99)
        if order
        else (lambda row: (-row["count"], row["code"]))
    )
    other = None
    if shown.hidden:
        other = {
            "count": shown.hidden_total,
            "share": _share(shown.hidden_total, total),
            "cells": len(shown.hidden),
        }
    return {
        "dimension": dimension,
        "title": str(title),
        "several_per_contact": multiple,
        "rows": rows,
        "other": other,
    }


def _share(count: int | None, total: int | None) -> float | None:
    if not count or not total:
        return None
    return round(100 * count / total, 1)


def _heatmap(units: list[dict[str, dict[str, int]]], k: int) -> list[dict]:
    keys = [f"{weekday}-{hour:02d}" for weekday in range(7) for hour in range(24)]
    shown = suppress_each(
        [{key: unit.get("hour_weekday", {}).get(key, 0) for key in keys} for unit in units], k
    )
    return [
        {
            "weekday": str(WEEKDAYS[weekday]),
            "hours": [shown.value(f"{weekday}-{hour:02d}") for hour in range(24)],
        }
        for weekday in range(7)
    ]


def _average_minutes(units: list[dict[str, dict[str, int]]], k: int) -> float | None:
    """The mean duration, only when every grid period has timed k calls or none (else a period's few calls would show)."""
    timed = [sum(unit.get("duration_band", {}).values()) for unit in units]
    if not timed or any(0 < count < k for count in timed) or sum(timed) < k:
        return None
    seconds = sum(unit.get("duration_sum", {}).get("", 0) for unit in units)
    return round(seconds / sum(timed) / 60, 1)


def _total(unit: dict[str, dict[str, int]]) -> int:
    return unit.get("total", {}).get("", 0)


def breakdowns(period: Period, k: int, names=tuple(DIMENSIONS)) -> dict:
    """The figures broken down by a variable, over the grid periods of PERIOD, suppressed period by period."""
    months = grid_months()
    span = grid_span(period, months)
    everything = _unit_sums(span, months)
    # A grid period of fewer than k contacts is in no breakdown: merged with the others, the total
    # minus the cells shown would give its few contacts a value.
    units = [unit for unit in everything if _total(unit) >= k]
    raw_total = sum(_total(unit) for unit in units)
    grid = None
    if span is not None:
        grid = {
            "start": span[0].isoformat(),
            "end": span[1].isoformat(),
            "months": months,
            "total": suppress({"total": raw_total}, k).value("total"),
            "left_out": len(everything) - len(units),
        }
    return {
        "breakdown": grid,
        "heatmap": _heatmap(units, k),
        "average_minutes": _average_minutes(units, k),
        "dimensions": [
            _distribution(name, suppress_each([unit.get(name, {}) for unit in units], k), raw_total)
            for name in names
        ],
    }


def _service_level(period: Period, k: int) -> dict:
    """The line's promise, every call answered: answered, abandoned and answer rate as ecoute/calls/service_level.py defines them."""
    zone = timezone.get_current_timezone()
    since = datetime.combine(period.start, time.min, zone)
    until = datetime.combine(period.end + timedelta(days=1), time.min, zone)
    found = service_level.outcome(Call.objects.filter(requested_at__gte=since, requested_at__lt=until))
    shown = suppress({"answered": found.answered, "abandoned": found.abandoned}, k)
    answered, abandoned = shown.value("answered"), shown.value("abandoned")
    # The rate only beside both counts: with one of them hidden it would give it back.
    rate = found.answer_rate if answered is not None and abandoned is not None else None
    return {"answered": answered, "abandoned": abandoned, "answer_rate": rate}


def _feedback(period: Period, k: int) -> list[dict]:
    """The callers' answers to « Cet appel vous a-t-il aidé ? », per grid period and channel."""
    return _counts_by_period_and_channel(FeedbackCount, "helped", Helped.values, period, k)


def _follow_ups(period: Period, k: int) -> list[dict]:
    """The follow-ups agreed with callers and kept by them, per grid period and channel."""
    return _counts_by_period_and_channel(FollowUpCount, "outcome", Outcome.values, period, k)


def _counts_by_period_and_channel(model, field: str, values: list[str], period: Period, k: int) -> list[dict]:
    """MODEL's monthly counts by FIELD (one of VALUES), per grid period and channel.

    Counted like the breakdowns, over the whole ended grid periods of PERIOD, each row (a period,
    a channel) suppressed on its own: its total is shown only from k, and a hidden count cannot be
    worked out from it. A row with nothing counted is left out.
    """
    span, months, rows = grid_span(period), grid_months(), []
    first = span[0] if span else None
    while span and first <= span[1]:
        end = add_months(first, months)
        cells = (
            model.objects.filter(month__gte=first, month__lt=end)
            .values_list("channel", field)
            .annotate(n=Sum("count"))
            .order_by()
        )
        for channel, label in Channel.choices:
            counts = {value: 0 for value in values}
            counts |= {value: n for their_channel, value, n in cells if their_channel == channel}
            total = sum(counts.values())
            if total:
                shown = suppress(counts, k)
                rows.append(
                    {
                        "start": first.isoformat(),
                        "end": (end - timedelta(days=1)).isoformat(),
                        "channel": channel,
                        "channel_label": str(label),
                        "counts": {value: shown.value(value) for value in values},
                        "total": total if total >= k else None,
                    }
                )
        first = end
    return rows


def report(period: Period, k: int | None = None) -> dict:
    """Everything the dashboard shows for PERIOD, suppressed: totals by day, breakdowns on the grid."""
    k = min_cell() if k is None else k
    daily = _daily_totals(period)
    total = suppress({"total": sum(daily.values())}, k).value("total")
    return {
        "period": {"start": period.start.isoformat(), "end": period.end.isoformat(), "step": period.step},
        "min_cell": k,
        "total": total,
        "series": _series(period, daily, k),
        **breakdowns(period, k),
        "service": _service_level(period, k),
        "feedback": _feedback(period, k),
        "follow_ups": _follow_ups(period, k),
    }


def public_report(k: int | None = None) -> dict:
    """The headline figures the association publishes: since opening, this year by month, top reasons and professions."""
    k = min_cell() if k is None else k
    today = timezone.localdate()
    first_day = (
        ContactTally.objects.filter(span=Span.DAY, dimension="total")
        .order_by("day")
        .values_list("day", flat=True)
        .first()
        or today
    )
    all_time = Period(first_day, today, "month")
    since_opening = suppress({"total": sum(_daily_totals(all_time).values())}, k).value("total")
    year = Period(date(today.year, 1, 1), today, "month")
    daily = _daily_totals(year)
    grid = breakdowns(all_time, k, PUBLIC_DIMENSIONS)
    return {
        "min_cell": k,
        "opened_on": first_day.isoformat(),
        "since_opening": since_opening,
        "this_year": {
            "total": suppress({"total": sum(daily.values())}, k).value("total"),
            "by_month": _series(year, daily, k),
        },
        "breakdown": grid["breakdown"],
        "dimensions": grid["dimensions"],
    }
