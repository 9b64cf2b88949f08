"""Counting one feedback into its cell, and reading the counts back with small-cell suppression."""

from datetime import date, timedelta

from django.db.models import Sum
from django.utils import timezone

from ecoute.lib.counts import add_one
from ecoute.stats.figures import Period, add_months, grid_span
from ecoute.stats.suppression import grid_months, min_cell, suppress_each

from . import tickets
from .models import FeedbackCount, Helped


def count_one(channel: str, helped: str, listened: str = "", would_call_again: str = "") -> None:
    """One more in the month's cell."""
    cell = {
        "month": timezone.localdate().replace(day=1),
        "channel": channel,
        "helped": helped,
        "listened": listened,
        "would_call_again": would_call_again,
    }
    add_one(FeedbackCount, **cell)


def spend_and_count(
    ticket, channel: str, helped: str, listened: str = "", would_call_again: str = ""
) -> bool:
    """Count one feedback if TICKET is one issued and not yet spent (false, and nothing counted, if not)."""
    if not tickets.spend(ticket):
        return False
    count_one(channel, helped, listened, would_call_again)
    return True


def helped_over_the_last_year(today: date | None = None) -> dict:
    """How many said their call helped, a little, or not, over the ended grid periods of the last year."""
    return over_the_last_year(FeedbackCount, "helped", Helped, today)


def over_the_last_year(model, field: str, choices, today: date | None = None) -> dict:
    """MODEL's counts by FIELD (one of CHOICES) over the ended grid periods of the last year (the
    statistics' rule: whole periods, each suppressed on its own, then added up)."""
    today = today or timezone.localdate()
    span = grid_span(Period(today - timedelta(days=365), today), today=today)
    shown = suppress_each(_periods(model, field, choices, span))
    total = sum(shown.visible.values()) + (shown.hidden_total or 0)
    return {
        "span": span,
        "total": total if total >= min_cell() else None,
        "rows": [{"label": choice.label, "count": shown.value(choice.value)} for choice in choices],
        "hidden_total": shown.hidden_total,
        "k": min_cell(),
    }


def _periods(model, field: str, choices, span: tuple[date, date] | None) -> list[dict[str, int]]:
    """Per grid period of SPAN, value of FIELD -> its count."""
    if span is None:
        return []
    months, periods, first = grid_months(), [], span[0]
    while first <= span[1]:
        end = add_months(first, months)
        rows = (
            model.objects.filter(month__gte=first, month__lt=end)
            .values_list(field)
            .annotate(total=Sum("count"))
            .order_by()
        )
        periods.append({choice.value: 0 for choice in choices} | dict(rows))
        first = end
    return periods
