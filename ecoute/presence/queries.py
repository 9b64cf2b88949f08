"""Read-only views of presence for the caller board."""

from django.db.models import Prefetch

from ecoute.accounts.models import LISTENING_ROLES, Language, ListenerProfile

from .models import BOARD_STATUS, BoardStatus, Presence, Status

# Available first, then busy (they will be free soon), then away.
_BOARD_ORDER = {BoardStatus.AVAILABLE: 0, BoardStatus.BUSY: 1, BoardStatus.AWAY: 2}


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
        "languages": [language.name for language in profile.languages.all()],
        "status": BOARD_STATUS[status],
        "status_label": BoardStatus(BOARD_STATUS[status]).label,
        "version": presence.version if presence else 0,
    }


def available_listener_ids(exclude: list[int] = ()) -> list[int]:
    """Available psychologists, longest waiting first: the fairest one to suggest next."""
    return list(
        Presence.objects.filter(
            status=Status.AVAILABLE,
            user__is_active=True,
            user__listener_profile__active=True,
            user__role__in=LISTENING_ROLES,
        )
        .exclude(pk__in=list(exclude))
        .order_by("changed_at")
        .values_list("pk", flat=True)
    )


def board_snapshot() -> dict:
    """Every listener's board status, in the same form as live changes: sent when a watcher connects."""
    rows = Presence.objects.filter(
        user__is_active=True, user__listener_profile__active=True, user__role__in=LISTENING_ROLES
    ).values_list("pk", "status", "version")
    return {"type": "presence", "changes": [{"id": pk, "status": BOARD_STATUS[status], "version": version} for pk, status, version in rows]}
