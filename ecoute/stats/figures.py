"""The statistics of the line, read from the daily tallies and suppressed before anyone sees them.

`report` builds everything the dashboard, the exports and the API show for a period; `public_report`
the headline figures of the public page. Both pass every cell through ecoute.stats.suppression:
nothing leaves this module unsuppressed.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ecoute.calls.models import Call, CallState, Channel, EndReason
from ecoute.contacts import models as contacts
from ecoute.contacts.models import ContactTally, Span
from ecoute.contacts.tallies import DURATION_BANDS, LONGEST_BAND, UNKNOWN

from .suppression import min_cell, suppress

MAX_DAYS = 366 * 30
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
    "duration_band": (_("Durée des appels"), {code: label for code, label in [
        ("0-5", _("moins de 5 min")), ("5-15", _("5 à 15 min")), ("15-30", _("15 à 30 min")),
        ("30-60", _("30 min à 1 h")), (LONGEST_BAND, _("plus d'1 h"))]}, False),
    "channel": (_("Canal"), dict(Channel.choices), False),
}
PUBLIC_DIMENSIONS = ("reason", "profession", "employment")
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
        labels = dict(source.objects.values_list("code", "label"))
    labels[UNKNOWN] = str(_("Non renseigné"))
    return labels


def _whole_months(period: Period) -> tuple[date, date] | None:
    """The first and last month (their first days) lying wholly inside PERIOD, if any."""
    first = period.start if period.start.day == 1 else (period.start.replace(day=1) + timedelta(days=32)).replace(day=1)
    after_end = period.end + timedelta(days=1)
    last = (after_end.replace(day=1) - timedelta(days=1)).replace(day=1)
    return (first, last) if first <= last else None


def _tally_filter(period: Period) -> Q:
    """Month rows for the whole months of PERIOD, day rows for the days at either end."""
    months = _whole_months(period)
    if months is None:
        return Q(span=Span.DAY, day__range=(period.start, period.end))
    first, last = months
    end_of_last = (last + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    return (
        Q(span=Span.MONTH, day__range=(first, last))
        | Q(span=Span.DAY, day__gte=period.start, day__lt=first)
        | Q(span=Span.DAY, day__gt=end_of_last, day__lte=period.end)
    )


def _sums(period: Period) -> dict[str, dict[str, int]]:
    """Dimension -> value -> contacts in the period: one grouped query over the tallies."""
    rows = (
        ContactTally.objects.filter(_tally_filter(period))
        .exclude(dimension="total")
        .values_list("dimension", "value")
        .annotate(n=Sum("count"))
        .order_by()
    )
    sums: dict[str, dict[str, int]] = defaultdict(dict)
    for dimension, value, count in rows:
        sums[dimension][value] = count
    return sums


def _daily_totals(period: Period) -> dict[date, int]:
    rows = ContactTally.objects.filter(span=Span.DAY, dimension="total", day__range=(period.start, period.end)).values_list("day", "count")
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


def _distribution(dimension: str, cells: dict[str, int], total: int, k: int) -> dict:
    title, source, multiple = DIMENSIONS[dimension]
    labels = _labels(source)
    shown = suppress(cells, k)
    order = DURATION_ORDER if dimension == "duration_band" else None
    rows = [
        {"code": code, "label": labels.get(code, code), "count": count, "share": _share(count, total)}
        for code, count in shown.visible.items() if count
    ]
    rows.sort(key=(lambda row: order.index(row["code"]) if row["code"] in order else 99) if order else (lambda row: -row["count"]))
    other = None
    if shown.hidden:
        other = {"count": shown.hidden_total, "share": _share(shown.hidden_total, total), "cells": len(shown.hidden)}
    return {"dimension": dimension, "title": str(title), "several_per_contact": multiple, "rows": rows, "other": other}


def _share(count: int | None, total: int | None) -> float | None:
    if not count or not total:
        return None
    return round(100 * count / total, 1)


def _heatmap(cells: dict[str, int], k: int) -> list[dict]:
    full = {f"{weekday}-{hour:02d}": cells.get(f"{weekday}-{hour:02d}", 0) for weekday in range(7) for hour in range(24)}
    shown = suppress(full, k)
    return [
        {"weekday": str(WEEKDAYS[weekday]), "hours": [shown.value(f"{weekday}-{hour:02d}") for hour in range(24)]}
        for weekday in range(7)
    ]


def _service_level(period: Period, k: int) -> dict:
    """The line's promise, every call answered (step 2's figures, from the calls themselves)."""
    zone = timezone.get_current_timezone()
    since = datetime.combine(period.start, time.min, zone)
    until = datetime.combine(period.end + timedelta(days=1), time.min, zone)
    # Calls ended as abuse (a supervisor's block, ecoute/abuse) are not the line's service.
    calls = Call.objects.filter(requested_at__gte=since, requested_at__lt=until).exclude(end_reason=EndReason.BLOCKED)
    counts = {state: 0 for state in (CallState.ENDED, CallState.ABANDONED)}
    for state, count in calls.filter(state__in=list(counts)).values_list("state").annotate(n=Count("pk")).order_by():
        counts[state] = count
    shown = suppress({"answered": counts[CallState.ENDED], "abandoned": counts[CallState.ABANDONED]}, k)
    answered, abandoned = shown.value("answered"), shown.value("abandoned")
    received = counts[CallState.ENDED] + counts[CallState.ABANDONED]
    rate = round(100 * counts[CallState.ENDED] / received, 1) if received and answered is not None and abandoned is not None else None
    return {"answered": answered, "abandoned": abandoned, "answer_rate": rate}


def report(period: Period, k: int | None = None) -> dict:
    """Everything the dashboard shows for PERIOD, suppressed."""
    k = min_cell() if k is None else k
    daily = _daily_totals(period)
    raw_total = sum(daily.values())
    total = suppress({"total": raw_total}, k).value("total")
    sums = _sums(period)
    duration_sum = sums.pop("duration_sum", {}).get("", 0)
    with_duration = sum(sums.get("duration_band", {}).values())
    return {
        "period": {"start": period.start.isoformat(), "end": period.end.isoformat(), "step": period.step},
        "min_cell": k,
        "total": total,
        "series": _series(period, daily, k),
        "heatmap": _heatmap(sums.get("hour_weekday", {}), k),
        "average_minutes": round(duration_sum / with_duration / 60, 1) if with_duration >= k else None,
        "dimensions": [_distribution(name, sums.get(name, {}), raw_total, k) for name in DIMENSIONS],
        "service": _service_level(period, k),
    }


def public_report(k: int | None = None) -> dict:
    """The headline figures the association publishes: since opening, this year by month, top reasons and professions."""
    k = min_cell() if k is None else k
    today = timezone.localdate()
    first_day = ContactTally.objects.filter(span=Span.DAY, dimension="total").order_by("day").values_list("day", flat=True).first() or today
    all_time = Period(first_day, today, "month")
    sums, total = _sums(all_time), sum(_daily_totals(all_time).values())
    since_opening = suppress({"total": total}, k).value("total")
    year = report(Period(date(today.year, 1, 1), today, "month"), k)
    return {
        "min_cell": k,
        "opened_on": first_day.isoformat(),
        "since_opening": since_opening,
        "this_year": {"total": year["total"], "by_month": year["series"]},
        "dimensions": [_distribution(name, sums.get(name, {}), total, k) for name in PUBLIC_DIMENSIONS],
    }
