"""What the supervision board shows: the queue, the calls going on, each listener, today's figures, alerts.

Read-only: every change a supervisor makes goes through ecoute/calls/actions.py or alerts.py.
"""

from datetime import datetime, time, timedelta

from django.conf import settings
from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Max, Q
from django.utils import timezone
from django.utils.translation import gettext, ngettext

from ecoute.abuse.limits import refused_today
from ecoute.accounts.access import LISTENING_ROLES
from ecoute.lib import clock
from ecoute.lib.crypto import NoteKeyError, opened
from ecoute.lib.i18n import translated
from ecoute.presence.actions import long_wrap_up
from ecoute.presence.models import Presence, Status

from .. import service_level
from ..models import Alert, AlertKind, Call, CallState, Channel, EndReason, Priority
from ..queue import waiting_calls


def read(now: datetime | None = None) -> dict:
    now = now or clock.now()
    return {
        "now": now,
        "waiting": _waiting(now),
        "in_progress": _in_progress(now),
        "listeners": _listeners(now),
        "alerts": _alerts(now),
        "figures": today_figures(now),
        "long_wait": settings.ECOUTE_LONG_WAIT_ALERT_SECONDS,
        "risk": coming_hour(now),
    }


def coming_hour(now: datetime) -> dict:
    """The risk of waiting in the coming hour (ecoute/rota/risk.py), and whom to ask when it alarms."""
    from ecoute.rota import risk

    reading = risk.current(now)
    return {
        "reading": reading,
        "alarming": reading.alarming,
        "scheduled_offline": risk.scheduled_offline(now) if reading.alarming else [],
        "free": risk.free_to_ask(now) if reading.alarming else [],
    }


def _waiting(now: datetime) -> list[dict]:
    calls = waiting_calls().select_related("language", "preferred_psychologist__listener_profile")
    return [
        {
            "id": call.pk,
            "short": str(call.pk)[:8],
            "waited": _clock(now - call.requested_at),
            "urgent": call.priority == Priority.URGENT,
            "language": str(call.language) if call.language else "",
            "waiting_for": _name(call.preferred_psychologist),
            "too_long": (now - call.requested_at).total_seconds() > settings.ECOUTE_LONG_WAIT_ALERT_SECONDS,
            "held_back": call.held_back,
            "phone": call.channel == Channel.PHONE,
        }
        for call in calls[:100]
    ]


def _in_progress(now: datetime) -> list[dict]:
    calls = Call.objects.filter(state__in=[CallState.RINGING, CallState.CONNECTED]).select_related(
        "psychologist__listener_profile"
    )
    return [
        {
            "id": call.pk,
            "joinable": call.state == CallState.CONNECTED and not call.supervisor_id,
            "short": str(call.pk)[:8],
            "state": call.get_state_display(),
            "psychologist": _name(call.psychologist),
            "since": _clock(now - (call.answered_at or call.ringing_at or call.requested_at)),
            "urgent": call.priority == Priority.URGENT,
            "high_risk": call.high_risk,
            "phone": call.channel == Channel.PHONE,
        }
        for call in calls.order_by("requested_at")
    ]


def _listeners(now: datetime) -> list[dict]:
    rows = Presence.objects.filter(
        user__role__in=LISTENING_ROLES, user__is_active=True, user__listener_profile__isnull=False
    )
    rows = (
        rows.exclude(status=Status.OFFLINE)
        .select_related("user__listener_profile")
        .order_by("status", "changed_at")
    )
    return [
        {
            "name": _name(p.user),
            "status": p.status,
            "status_label": p.get_status_display(),
            "for": _clock(now - p.changed_at),
            # Still on a record well past the usual wrap-up: a supervisor may check in (a heavy call?).
            "long_wrap_up": long_wrap_up(p, now),
        }
        for p in rows
    ]


def _alerts(now: datetime) -> list[dict]:
    """Open alerts, newest first, their reasons decrypted; the alerts of one group (one source, a few
    seconds) as one line with their count.

    The reasons travel only in this page, over the supervisor's authenticated session; the events
    announcing an alert (alerts.py) carry its id and kind, never its reason.
    """
    alerts = (
        Alert.objects.filter(closed_at__isnull=True)
        .select_related("psychologist__listener_profile")
        .order_by("-created_at")
    )
    lines, groups = [], {}
    for a in alerts[:500]:
        if a.group and a.group in groups:
            line = groups[a.group]
            line["count"] += 1
            line["first"] = a.created_at
            continue
        line = {
            "id": a.pk,
            "kind": a.kind,
            "label": a.get_kind_display(),
            "reason": translated(_reason(a)),
            "psychologist": _name(a.psychologist),
            "call": str(a.call_id)[:8] if a.call_id else "",
            "call_id": a.call_id,
            "age": _clock(now - a.created_at),
            "count": 1,
            "first": a.created_at,
            "last": a.created_at,
        }
        if a.group:
            groups[a.group] = line
        lines.append(line)
    for line in groups.values():
        if line["count"] > 1:
            line["label"] = _group_label(line)
            line["call"], line["reason"] = "", ""
    return lines[:50]


def _group_label(line: dict) -> str:
    seconds = max(1, round((line["last"] - line["first"]).total_seconds()))
    if line["kind"] == AlertKind.DANGER:
        return ngettext(
            "%(count)d appel urgent de la même source en %(seconds)d s",
            "%(count)d appels urgents de la même source en %(seconds)d s",
            line["count"],
        ) % {"count": line["count"], "seconds": seconds}
    return gettext("%(label)s : %(count)d alertes de la même source en %(seconds)d s") % {
        "label": line["label"],
        "count": line["count"],
        "seconds": seconds,
    }


def _reason(alert: Alert) -> str:
    """A reason that cannot be decrypted (its key removed too soon) must not take the board down with it."""
    try:
        return opened(alert.reason)
    except NoteKeyError:
        return gettext("(motif illisible : la clé qui l’a chiffré manque)")


def _clock(span: timedelta) -> str:
    """A duration as a supervisor reads it at a glance: 4:05, or 1:02:03."""
    seconds = max(0, int(span.total_seconds()))
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


def _name(user) -> str:
    if user is None:
        return ""
    profile = getattr(user, "listener_profile", None)
    return profile.first_name if profile else user.get_username()


def today_figures(now: datetime) -> dict:
    """Today's service figures (local day), from the calls themselves.

    Offered: every call requested today, but those ended as abuse (blocked), counted apart with the
    calls refused as abuse (which never became calls) under "abuse". Answered, abandoned and answer
    rate as defined in ecoute/calls/service_level.py; the service level is over the same calls that
    are over (answered or abandoned): a call still waiting has not failed yet. Service level:
    the share answered within ECOUTE_SERVICE_LEVEL_SECONDS. Longest wait: the longest any
    caller waited today, answered, abandoned or still waiting.
    """
    zone = timezone.get_current_timezone()
    midnight = datetime.combine(timezone.localtime(now, zone).date(), time.min, zone)
    today = Call.objects.filter(requested_at__gte=midnight, requested_at__lte=now)
    calls = service_level.counted(today)
    wait = ExpressionWrapper(F("answered_at") - F("requested_at"), output_field=DurationField())
    gave_up = ExpressionWrapper(F("ended_at") - F("requested_at"), output_field=DurationField())
    within = timedelta(seconds=settings.ECOUTE_SERVICE_LEVEL_SECONDS)
    sums = calls.aggregate(
        offered=Count("pk"),
        answered=Count("pk", filter=service_level.ANSWERED),
        abandoned=Count("pk", filter=service_level.ABANDONED),
        # Phone callers who hung up in the voice menu: abandoned too, and told apart.
        abandoned_in_menu=Count("pk", filter=Q(end_reason=EndReason.LEFT_IN_MENU)),
        in_time=Count("pk", filter=Q(answered_at__isnull=False, answered_at__lte=F("requested_at") + within)),
        speed=Avg(wait, filter=Q(answered_at__isnull=False)),
        longest_answered=Max(wait, filter=Q(answered_at__isnull=False)),
        longest_abandoned=Max(gave_up, filter=Q(state=CallState.ABANDONED)),
    )
    still_waiting = (
        calls.filter(state=CallState.REQUESTED)
        .order_by("requested_at")
        .values_list("requested_at", flat=True)
        .first()
    )
    longest = [
        d
        for d in (sums["longest_answered"], sums["longest_abandoned"], still_waiting and now - still_waiting)
        if d
    ]
    over = sums["answered"] + sums["abandoned"]
    return {
        "offered": sums["offered"],
        "answered": sums["answered"],
        "abandoned": sums["abandoned"],
        "abandoned_in_menu": sums["abandoned_in_menu"],
        "answer_rate": service_level.answer_rate(sums["answered"], sums["abandoned"]),
        "average_speed": round(sums["speed"].total_seconds(), 1) if sums["speed"] is not None else None,
        "longest_wait": round(max(longest).total_seconds()) if longest else None,
        "service_level": round(100 * sums["in_time"] / over, 1) if over else None,
        "service_level_seconds": settings.ECOUTE_SERVICE_LEVEL_SECONDS,
        "abuse": today.filter(end_reason__in=service_level.ABUSE_REASONS).count() + refused_today(),
    }
