"""Read-only views of presence for the caller board."""

from django.db.models import Prefetch

from ecoute.accounts.access import LISTENING_ROLES
from ecoute.accounts.models import Language, ListenerProfile
from ecoute.protocol import events

from .models import BOARD_STATUS, BoardStatus, Presence, Status

# Available first, then finishing a call and busy (they will be free soon), then away. The caller's
# app keeps the same order live (ecoute/presence/static/presence/board.js).
_BOARD_ORDER = {BoardStatus.AVAILABLE: 0, BoardStatus.FINISHING: 1, BoardStatus.BUSY: 2, BoardStatus.AWAY: 3}


def board_entries() -> list[dict]:
    """Every active psychologist as the caller board shows them, available ones first."""
    profiles = (
        ListenerProfile.objects.filter(active=True, user__is_active=True, user__role__in=LISTENING_ROLES)
        .select_related("user__presence")
        .prefetch_related(Prefetch("languages", queryset=Language.objects.order_by("name")))
    )
    entries = [_entry(profile) for profile in profiles]
    entries.sort(key=lambda entry: (_BOARD_ORDER[entry["status"]], entry["name"]))
    return entries


def _entry(profile: ListenerProfile) -> dict:
    presence = getattr(profile.user, "presence", None)
    status = presence.status if presence else Status.OFFLINE
    return {
        "id": profile.user_id,
        "name": profile.first_name,
        "initials": profile.initials,
        "photo": profile.photo.url if profile.photo else "",
        "presentation": profile.presentation,
        "languages": [str(language) for language in profile.languages.all()],
        "status": BOARD_STATUS[status],
        "status_label": BoardStatus(BOARD_STATUS[status]).label,
        "version": presence.version if presence else 0,
    }


def available_listeners():
    """Available psychologists, longest idle first (available since the earliest): the fairest next one."""
    return Presence.objects.filter(
        status=Status.AVAILABLE,
        user__is_active=True,
        user__listener_profile__active=True,
        user__role__in=LISTENING_ROLES,
    ).order_by("changed_at", "pk")


def available_listener_ids(exclude: list[int] = ()) -> list[int]:
    return list(available_listeners().exclude(pk__in=list(exclude)).values_list("pk", flat=True))


def languages_of(user_ids) -> dict[int, set[int]]:
    """The language ids each of these listeners speaks."""
    spoken: dict[int, set[int]] = {user_id: set() for user_id in user_ids}
    rows = ListenerProfile.languages.through.objects.filter(listenerprofile__user_id__in=list(user_ids))
    for user_id, language_id in rows.values_list("listenerprofile__user_id", "language_id"):
        spoken[user_id].add(language_id)
    return spoken


# Listeners on duty: the ones who will take the waiting calls, now or after their current one.
ON_DUTY = (Status.AVAILABLE, Status.RINGING, Status.IN_CALL, Status.WRAP_UP)


def listeners_on_duty() -> int:
    return Presence.objects.filter(
        status__in=ON_DUTY,
        user__is_active=True,
        user__listener_profile__active=True,
        user__role__in=LISTENING_ROLES,
    ).count()


def is_on_duty(user_id: int) -> bool:
    return Presence.objects.filter(pk=user_id, status__in=ON_DUTY).exists()


def board_snapshot() -> dict:
    """Every listener's board status, in the same form as live changes: sent when a watcher connects."""
    rows = Presence.objects.filter(
        user__is_active=True, user__listener_profile__active=True, user__role__in=LISTENING_ROLES
    ).values_list("pk", "status", "version")
    return events.presence(
        [events.board_change(pk, BOARD_STATUS[status], version) for pk, status, version in rows]
    )
