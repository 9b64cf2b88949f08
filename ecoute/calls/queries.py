"""Read-only questions about calls."""

from django.conf import settings

from ecoute.accounts.models import Language, ListenerProfile
from ecoute.presence.queries import available_listener_ids
from ecoute.protocol import events

from .ice import ice_configuration
from .models import Call, CallState, Channel
from .place import queue_position, queue_positions  # noqa: F401 (where the sockets ask)


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
        return events.resumed(events.call_ended(call.pk, reason))
    if call.state == CallState.CONNECTED:
        return events.resumed(events.call_accepted(call.pk, ice_configuration()))
    if call.state == CallState.RINGING:
        return events.resumed(events.caller_ringing(call.pk, call.psychologist_id, call.called_back))
    if call.queued_at:
        position = queue_position(call.pk)
        if position is not None:
            return events.resumed(position)
        call.refresh_from_db()  # it rang or ended between the two reads (a busy line): tell where it is now
        if call.state != CallState.REQUESTED:
            return resume_event(call)
    return events.call_unanswered(call.pk, "lost", psychologist_id=None, queued=False)


def workspace_resume_event(psychologist_id: int) -> dict | None:
    """The call ringing for, or connected to, this psychologist, as the event their workspace would have had."""
    from .actions import ringing_event

    call = Call.objects.in_progress_with(psychologist_id, ringing=True).first()
    if call is None:
        return None
    if call.state == CallState.RINGING:
        return events.resumed(ringing_event(call, psychologist_id))
    return events.resumed(events.call_connected(call.pk, ice_configuration(), call.channel == Channel.PHONE))


def supervisor_of(call_id) -> int | None:
    return Call.objects.filter(pk=call_id).values_list("supervisor_id", flat=True).first()
