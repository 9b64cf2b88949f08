"""Read-only questions about calls."""

from django.conf import settings

from ecoute.accounts.models import Language, ListenerProfile
from ecoute.lib import clock
from ecoute.presence.queries import available_listener_ids

from . import routing
from .ice import ice_configuration
from .models import Call, CallState, Channel, Priority


def psychologists_of_caller(caller_key_hash: str) -> list[int]:
    """The psychologists this device has already talked to, most recent first."""
    ids = (
        Call.objects.filter(caller_key_hash=caller_key_hash, answered_at__isnull=False)
        .order_by("-answered_at")
        .values_list("psychologist_id", flat=True)
    )
    return list(dict.fromkeys(ids))


def suggest_psychologist(exclude: list[int]) -> dict | None:
    """The available psychologist waiting longest, among those this caller has not just tried."""
    for user_id in available_listener_ids(exclude=exclude)[:1]:
        profile = ListenerProfile.objects.get(user_id=user_id)
        return {"id": user_id, "name": profile.first_name}
    return None


def languages_offered() -> list[Language]:
    """The languages a caller may ask for: those spoken by at least one listener on the line."""
    return list(
        Language.objects.filter(listenerprofile__active=True, listenerprofile__user__is_active=True)
        .distinct()
        .order_by("name")
    )


def language_id(code: str) -> int | None:
    return next(
        iter(
            Language.objects.filter(code=code, listenerprofile__active=True).values_list("pk", flat=True)[:1]
        ),
        None,
    )


def queue_settings() -> dict:
    """What the caller's app needs to know of the queue's rules, in seconds."""
    return {
        "language_fallback_after": settings.ECOUTE_LANGUAGE_FALLBACK_SECONDS,
        "switch_again_after": settings.ECOUTE_PREFERRED_SWITCH_SECONDS,
        "phone": settings.ECOUTE_PHONE_NUMBER,
    }


def queue_position(call_id) -> dict | None:
    """Where a waiting call stands, as its caller is told; None once it no longer waits."""
    return queue_positions([call_id]).get(call_id)


def queue_positions(call_ids) -> dict:
    """Where each of these calls stands in the queue, as its caller is told; calls no longer waiting are left out.

    A few queries whatever the number of calls: every waiting caller of a server process is told
    at once (ecoute/calls/queue_fanout.py).
    """
    calls = list(
        Call.objects.select_related("language").filter(
            pk__in=list(call_ids), state=CallState.REQUESTED, queued_at__isnull=False
        )
    )
    if not calls:
        return {}
    found, estimate, now = routing.places(), routing.WaitEstimate(), clock.now()
    return {
        call.pk: _position_event(call, found[call.pk], estimate, now) for call in calls if call.pk in found
    }


def _position_event(call: Call, place: int, estimate, now) -> dict:
    return {
        "type": "queue.position",
        "call_id": str(call.pk),
        "position": place,
        "estimated_wait": estimate(call, place),
        "waited": int((now - call.requested_at).total_seconds()),
        "urgent": call.priority == Priority.URGENT,
        "language": str(call.language) if call.language else None,
        "language_fallback": bool(call.language_id) and routing.language_fallen_back(call, now),
        "waiting_for": call.preferred_psychologist_id,
    }


def resumable_call(call_id, caller_key_hash: str) -> Call | None:
    """The caller's own call: only the device holding the caller key may pick it up again."""
    if not caller_key_hash:
        return None
    return Call.objects.filter(pk=call_id, caller_key_hash=caller_key_hash).first()


def resume_event(call: Call) -> dict:
    """The one event that tells a reconnected caller's app where its call is (or how it ended meanwhile)."""
    if call.state in (CallState.ENDED, CallState.ABANDONED):
        reason = (
            call.end_reason if call.state == CallState.ENDED or call.end_reason == "blocked" else "abandoned"
        )
        return {"type": "call.ended", "call_id": str(call.pk), "reason": reason, "resumed": True}
    if call.state == CallState.CONNECTED:
        return {"type": "call.accepted", "call_id": str(call.pk), "ice": ice_configuration(), "resumed": True}
    if call.state == CallState.RINGING:
        return {
            "type": "call.ringing",
            "call_id": str(call.pk),
            "psychologist_id": call.psychologist_id,
            "resumed": True,
        }
    if call.queued_at:
        position = queue_position(call.pk)
        if position is not None:
            return {**position, "resumed": True}
        call.refresh_from_db()  # it rang or ended between the two reads (a busy line): tell where it is now
        if call.state != CallState.REQUESTED:
            return resume_event(call)
    return {
        "type": "call.unanswered",
        "call_id": str(call.pk),
        "reason": "lost",
        "psychologist_id": None,
        "queued": False,
    }


def workspace_resume_event(psychologist_id: int) -> dict | None:
    """The call ringing for, or connected to, this psychologist, as the event their workspace would have had."""
    from .actions import active_call_of, ringing_event

    call = active_call_of(psychologist_id)
    if call is None:
        return None
    if call.state == CallState.RINGING:
        return {**ringing_event(call, psychologist_id), "resumed": True}
    return {
        "type": "call.connected",
        "call_id": str(call.pk),
        "ice": ice_configuration(),
        "resumed": True,
        "phone": call.channel == Channel.PHONE,
    }


def supervisor_of(call_id) -> int | None:
    return Call.objects.filter(pk=call_id).values_list("supervisor_id", flat=True).first()
