"""Read-only questions about calls."""

from ecoute.accounts.models import ListenerProfile
from ecoute.presence.queries import available_listener_ids

from .models import Call


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
