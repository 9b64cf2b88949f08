"""Shifts already worked, with the calls answered in them, for the rota's tests."""

from datetime import UTC, timedelta

from django.utils import timezone

from ecoute.calls.models import Call, CallState
from ecoute.rota.models import Shift


def worked_shift(user, ended_hours_ago: float, **call) -> Shift:
    """A 4-hour shift that ended ENDED_HOURS_AGO, with one call answered in it (CALL: its fields)."""
    end = timezone.now().astimezone(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(
        hours=ended_hours_ago
    )
    shift = Shift.objects.create(user=user, start=end - timedelta(hours=4), end=end)
    answered = shift.start + timedelta(minutes=30)
    minutes = call.pop("minutes", 20)
    Call.objects.create(
        psychologist=user,
        state=CallState.ENDED,
        requested_at=answered,
        answered_at=answered,
        ended_at=answered + timedelta(minutes=minutes),
        **call,
    )
    return shift
