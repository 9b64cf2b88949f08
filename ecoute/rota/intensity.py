"""Listener protection across shifts: the one definition of a high-intensity shift, who must recover
before their next shift, and the debrief offered after a shift with an emergency.

A shift is high-intensity when its psychologist answered, during it, a crisis call (the caller pressed
« danger », so the call was urgent, or the psychologist signalled a life-threatening emergency) or a
call of ECOUTE_ROTA_LONG_CALL_MINUTES or more. After ECOUTE_ROTA_INTENSE_IN_A_ROW of them in a row,
the next shift cannot start before ECOUTE_ROTA_RECOVERY_HOURS after the last one ended: the planner
(a hard constraint of its model) and the swaps (eligibility) both keep it. Only counts and times are
read here: nothing about who called or what was said.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import F, Q
from django.utils import timezone

from ecoute.calls.models import Call, Priority

from .models import Shift, ShiftStatus


def crisis_calls() -> Q:
    """Calls that were a crisis: urgent from the queue (the danger button) or flagged an emergency."""
    return Q(priority=Priority.URGENT) | Q(high_risk=True)


def long_calls() -> Q:
    return Q(ended_at__gte=F("answered_at") + timedelta(minutes=settings.ECOUTE_ROTA_LONG_CALL_MINUTES))


def calls_in(shift: Shift):
    return Call.objects.filter(
        psychologist_id=shift.user_id, answered_at__gte=shift.start, answered_at__lt=shift.end
    )


def is_intense(shift: Shift) -> bool:
    """THE definition of a high-intensity shift."""
    return calls_in(shift).filter(crisis_calls() | long_calls()).exists()


def had_emergency(shift: Shift) -> bool:
    return calls_in(shift).filter(crisis_calls()).exists()


def worked_shifts(user_id: int, before: datetime):
    """The person's shifts over by BEFORE, last first."""
    return (
        Shift.objects.filter(user_id=user_id, end__lte=before)
        .exclude(status=ShiftStatus.CANCELLED)
        .order_by("-end")
    )


def recovery(user_id: int, now: datetime | None = None) -> tuple[datetime, datetime] | None:
    """(from, until): the time in which the person may not start a shift, because their last shifts
    were ECOUTE_ROTA_INTENSE_IN_A_ROW high-intensity ones in a row and the recovery after the last is
    not over; None otherwise."""
    now = now or timezone.now()
    last = list(worked_shifts(user_id, now)[: settings.ECOUTE_ROTA_INTENSE_IN_A_ROW])
    if len(last) < settings.ECOUTE_ROTA_INTENSE_IN_A_ROW or not all(is_intense(shift) for shift in last):
        return None
    until = last[0].end + timedelta(hours=settings.ECOUTE_ROTA_RECOVERY_HOURS)
    return (last[0].end, until) if until > now else None


@dataclass(frozen=True)
class Debrief:
    after: Shift  # the shift with an emergency
    at: datetime  # the first half-hour a supervisor is on duty after it
    supervisor: str  # their first name, as colleagues know them


def debrief_offer(user, now: datetime | None = None) -> Debrief | None:
    """After the person's last shift, if it had an emergency: a debrief slot with a supervisor on duty
    (another than themselves), the first one from the shift's end within ECOUTE_ROTA_DEBRIEF_WITHIN_HOURS."""
    now = now or timezone.now()
    window = timedelta(hours=settings.ECOUTE_ROTA_DEBRIEF_WITHIN_HOURS)
    last = worked_shifts(user.pk, now).filter(end__gte=now - window).first()
    if last is None or not had_emergency(last):
        return None
    on_duty = (
        Shift.objects.filter(supervising=True, end__gt=max(last.end, now), start__lt=last.end + window)
        .exclude(status=ShiftStatus.CANCELLED)
        .exclude(user_id=user.pk)
        .select_related("user__listener_profile")
        .order_by("start")
        .first()
    )
    if on_duty is None:
        return None
    profile = getattr(on_duty.user, "listener_profile", None)
    name = profile.first_name if profile else on_duty.user.first_name
    return Debrief(after=last, at=max(on_duty.start, last.end, now), supervisor=name)
