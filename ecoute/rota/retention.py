"""The rota's retention rules (docs/retention.md), applied by the daily purge (ecoute/security/retention.py)."""

from datetime import datetime, timedelta

from .models import (
    ADJUSTMENTS_KEPT_DAYS,
    EXCEPTIONS_KEPT_DAYS,
    OFFERS_KEPT_DAYS,
    SHIFTS_KEPT_DAYS,
    Adjustment,
    AvailabilityException,
    Commitment,
    Shift,
    ShiftOffer,
    WeeklyAvailability,
)


def purge(now: datetime) -> dict[str, int]:
    """Past shifts after a year, past exceptions after a month, old known events after two years, and
    what a departed psychologist had declared (their account deactivated); offered shifts (who gave, who
    took: their e-mails with them) three months after the shift's end."""
    today = now.date()
    return {
        "rota_offers": deleted(
            ShiftOffer.objects.filter(shift__end__lt=now - timedelta(days=OFFERS_KEPT_DAYS))
        ),
        "rota_shifts": deleted(Shift.objects.filter(end__lt=now - timedelta(days=SHIFTS_KEPT_DAYS))),
        "rota_exceptions": AvailabilityException.objects.filter(
            last_day__lt=today - timedelta(days=EXCEPTIONS_KEPT_DAYS)
        ).delete()[0],
        "rota_adjustments": Adjustment.objects.filter(
            last_day__lt=today - timedelta(days=ADJUSTMENTS_KEPT_DAYS)
        ).delete()[0],
        "rota_departed": WeeklyAvailability.objects.filter(user__is_active=False).delete()[0]
        + Commitment.objects.filter(user__is_active=False).delete()[0],
    }


def deleted(rows) -> int:
    """Delete ROWS; how many of their own model went (not the rows deleted with them: offers, e-mails)."""
    return rows.delete()[1].get(rows.model._meta.label, 0)
