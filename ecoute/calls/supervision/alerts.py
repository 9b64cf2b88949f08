"""Alerts for supervisors: the only module that raises, closes and hands out alerts.

An alert is shown on every open supervision board from the moment it is committed until a
supervisor takes it (or, for the ones about a state of the line, until that state is over).
"""

import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext

from ecoute.lib import clock
from ecoute.lib.realtime import SUPERVISORS_GROUP, caller_group, relay_after_commit
from ecoute.protocol import events

from ..models import Alert, AlertKind, Call, CallState

# Alerts about a state of the line that closes by itself when the state is over.
SELF_CLOSING = (AlertKind.LONG_WAIT, AlertKind.LOW_STAFF, AlertKind.COVERAGE_GAP)


class AlertError(Exception):
    code = "alert_error"


def raise_alert(
    kind: str,
    call_id: uuid.UUID | None = None,
    psychologist_id: int | None = None,
    reason: str = "",
    group: str = "",
) -> Alert | None:
    """Open an alert and tell the supervisors after commit; None if the same one is already open.

    An alert whose GROUP already has one open is kept (the audit) but shown in that group's line:
    the boards redraw it without a new alarm.
    """
    grouped = bool(group) and Alert.objects.filter(group=group, closed_at__isnull=True).exists()
    try:
        with transaction.atomic():
            alert = Alert.objects.create(
                kind=kind,
                call_id=call_id,
                psychologist_id=psychologist_id,
                reason=reason[:500],
                created_at=clock.now(),
                group=group,
            )
    except IntegrityError:  # one open alert of a kind per call: raised meanwhile by another process
        return None
    # Never the reason: it is health data, and channel-layer messages cross Redis in clear. The
    # boards fetch it with the board page (board.py).
    if grouped:
        relay_after_commit(SUPERVISORS_GROUP, events.alert_grouped(alert.pk))
    else:
        relay_after_commit(SUPERVISORS_GROUP, events.alert(alert.pk, kind, AlertKind(kind).label))
    return alert


@transaction.atomic
def take(alert_id: int, supervisor_id: int) -> None:
    """A supervisor takes the alert (with the rest of its group): it leaves every board."""
    group = Alert.objects.filter(pk=alert_id).values_list("group", flat=True).first()
    taken = Alert.objects.filter(group=group) if group else Alert.objects.filter(pk=alert_id)
    if not taken.filter(closed_at__isnull=True).update(taken_by_id=supervisor_id, closed_at=clock.now()):
        raise AlertError(gettext("Cette alerte a déjà été prise en charge."))
    relay_after_commit(SUPERVISORS_GROUP, events.alert_closed(alert_id))


def raise_due_alerts(now: datetime) -> None:
    """Run every second: calls waiting too long, too few listeners available; close what is over."""
    from ecoute.presence.queries import available_listener_ids

    limit = now - timedelta(seconds=settings.ECOUTE_LONG_WAIT_ALERT_SECONDS)
    waiting = Call.objects.filter(state=CallState.REQUESTED, queued_at__isnull=False)
    for call_id in (
        waiting.filter(requested_at__lte=limit)
        .exclude(alerts__kind=AlertKind.LONG_WAIT)
        .values_list("pk", flat=True)
    ):
        alert = raise_alert(
            AlertKind.LONG_WAIT,
            call_id=call_id,
            reason="Un appel attend depuis plus de %d s." % settings.ECOUTE_LONG_WAIT_ALERT_SECONDS,
        )
        if alert:  # the caller's waiting screen says so: someone knows they are waiting
            relay_after_commit(caller_group(call_id), events.queue_supervisors_alerted(call_id))
    Alert.objects.filter(kind=AlertKind.LONG_WAIT, closed_at__isnull=True).exclude(
        call__state=CallState.REQUESTED
    ).update(closed_at=now)
    _close_danger_not_waiting(now)
    _low_staff(len(available_listener_ids()), now)
    _coverage_risk(now)


def _close_danger_not_waiting(now: datetime) -> None:
    """A caller in danger who is no longer waiting (answered, gone, blocked): the alert closes by itself."""
    over = Alert.objects.filter(kind=AlertKind.DANGER, closed_at__isnull=True).exclude(
        call__state__in=[CallState.REQUESTED, CallState.RINGING]
    )
    with transaction.atomic():
        closed = list(over.values_list("pk", flat=True))
        if closed and Alert.objects.filter(pk__in=closed, closed_at__isnull=True).update(closed_at=now):
            for alert_id in closed:
                relay_after_commit(SUPERVISORS_GROUP, events.alert_closed(alert_id))


def _low_staff(available: int, now: datetime) -> None:
    open_alerts = Alert.objects.filter(kind=AlertKind.LOW_STAFF, closed_at__isnull=True)
    if available >= settings.ECOUTE_MIN_AVAILABLE:
        open_alerts.update(closed_at=now)
    elif not open_alerts.exists():
        raise_alert(
            AlertKind.LOW_STAFF,
            reason=f"{available} écoutant(s) disponible(s) ; seuil : {settings.ECOUTE_MIN_AVAILABLE}.",
        )


def _coverage_risk(now: datetime) -> None:
    """The coming hour by the rota's model: the boards told when the risk moves; an alert before a gap
    (risk above ECOUTE_ROTA_RISK_ALERT, or planned below the requirement), closed once it is over."""
    from ecoute.rota import risk

    reading = risk.current(now)
    if risk.news(reading):
        relay_after_commit(SUPERVISORS_GROUP, events.coverage_risk(reading.percent, reading.understaffed))
    open_alerts = Alert.objects.filter(kind=AlertKind.COVERAGE_GAP, closed_at__isnull=True)
    if not reading.alarming:
        open_alerts.update(closed_at=now)
    elif not open_alerts.exists():
        # The audit's reason, in the source language like the others; the board shows it live, translated.
        raise_alert(
            AlertKind.COVERAGE_GAP,
            reason=(
                f"Risque qu’un appelant attende plus de {reading.seconds} s : {reading.percent} %. "
                f"Prévus hors ligne : {', '.join(risk.scheduled_offline(now)) or '—'}. "
                f"Disponibles : {', '.join(risk.free_to_ask(now)) or '—'}."
            ),
        )


def forget_reasons(before: datetime) -> int:
    """Retention: empty the reasons of alerts raised before BEFORE; the alerts themselves stay."""
    return Alert.objects.filter(created_at__lt=before).exclude(reason="").update(reason="")
