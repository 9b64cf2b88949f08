"""Every change of a psychologist's presence. Each action commits, then tells the board and the workspace.

A change is a conditional UPDATE on the expected current status, so two processes (or a caller
and a timer) racing for the same psychologist cannot both win.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils.translation import gettext

from ecoute.lib import clock
from ecoute.lib.realtime import relay_after_commit, send_after_commit, staff_group
from ecoute.protocol import events

from .models import BOARD_STATUS, Presence, Status

BOARD_GROUP = "board"

# What a psychologist may choose from the workspace, and from which statuses.
SELF_SERVICE = {
    Status.AVAILABLE: (Status.OFFLINE, Status.BREAK, Status.AVAILABLE, Status.WRAP_UP),
    Status.BREAK: (Status.OFFLINE, Status.AVAILABLE, Status.BREAK, Status.WRAP_UP),
    Status.OFFLINE: (Status.AVAILABLE, Status.BREAK, Status.OFFLINE, Status.WRAP_UP),
}


class PresenceError(Exception):
    """A presence change that is not allowed now; the message is shown to the psychologist."""


def move(
    user_id: int, sources, target: str, session: str | None = None, where: Q | None = None, **fields
) -> bool:
    """Set TARGET if the status is one of SOURCES (and WHERE holds); return whether it changed. Broadcast after commit."""
    rows = Presence.objects.filter(pk=user_id)
    if session is not None:
        rows = rows.filter(session=session)
    if where is not None:
        rows = rows.filter(where)
    return _move_rows(rows, [user_id], sources, target, fields)


def move_all(user_ids: list[int], sources, target: str) -> bool:
    """Set TARGET for every one of USER_IDS, each in one of SOURCES, or for none: return whether they all moved.

    The router rings a hundred listeners in one statement this way (ecoute/calls/actions.offer).
    """
    return _move_rows(Presence.objects.filter(pk__in=user_ids), user_ids, sources, target, {})


class _NotAllMoved(Exception):
    """Rolls back a move that did not change every row it was meant to."""


def _move_rows(rows, user_ids: list[int], sources, target: str, fields: dict) -> bool:
    now = clock.now()
    if len(set(user_ids)) == 1:
        return _move_one(rows, user_ids, sources, target, {"changed_at": now, **fields})
    try:
        with transaction.atomic():
            moved = rows.filter(status__in=list(sources)).update(
                status=target, changed_at=now, version=F("version") + 1, **fields
            )
            if moved != len(set(user_ids)):
                raise _NotAllMoved
            _announce(user_ids)
    except _NotAllMoved:
        return False
    return True


def _move_one(rows, user_ids: list[int], sources, target: str, fields: dict) -> bool:
    """One psychologist's move: an UPDATE that matched no row changed nothing, so there is nothing to
    roll back and no savepoint to pay for (two round trips on every ring, answer and hang-up, which
    a machine whose cores are busy makes slow: docs/performance.md, tap → ring)."""
    with transaction.atomic(savepoint=False):
        moved = rows.filter(status__in=list(sources)).update(
            status=target, version=F("version") + 1, **fields
        )
        if moved:
            _announce(user_ids)
    return bool(moved)


def _announce(user_ids: list[int]) -> None:
    """Statuses changed: tell the board in one frame, then each psychologist's own workspace."""
    presences = _presence_values(user_ids)
    changes = [
        events.board_change(user_id, BOARD_STATUS[p["status"]], p["version"])
        for user_id, p in presences.items()
    ]
    send_after_commit(BOARD_GROUP, {"type": "board.changes", "changes": changes})
    for user_id, presence in presences.items():
        _tell_workspace(user_id, presence)


def _presence_values(user_ids: list[int]) -> dict[int, dict]:
    rows = Presence.objects.filter(pk__in=user_ids).values(
        "pk", "status", "version", "changed_at", "wrap_up_until", "wrap_up_call_id", "debrief_due"
    )
    return {row.pop("pk"): row for row in rows}


def _tell_workspace(user_id: int, presence: dict) -> None:
    wrapping_up = presence["status"] == Status.WRAP_UP
    until = presence["wrap_up_until"]
    record_due = wrapping_up and presence["wrap_up_call_id"] is not None
    relay_after_commit(
        staff_group(user_id),
        events.presence_self(
            status=presence["status"],
            version=presence["version"],
            # While the record is unsaved the wrap-up has no end: the workspace shows no countdown,
            # only a gentle reminder once the usual wrap-up time has passed.
            wrap_up_until=until.isoformat() if until and wrapping_up and not record_due else None,
            record_due=record_due,
            remind_at=(presence["changed_at"] + _usual_wrap_up()).isoformat() if record_due else None,
            debrief_due=presence["debrief_due"],
        ),
    )


def _usual_wrap_up() -> timedelta:
    """How long a wrap-up usually takes: past it, a reminder, and supervisors see a long wrap-up."""
    return timedelta(seconds=settings.ECOUTE_WRAP_UP_SECONDS)


def long_wrap_up(presence: Presence, now: datetime) -> bool:
    """Still writing a record well after the usual wrap-up time (shown on the supervisors' board)."""
    return (
        presence.status == Status.WRAP_UP
        and presence.wrap_up_call_id is not None
        and now - presence.changed_at > _usual_wrap_up()
    )


def open_session(user_id: int, session: str) -> Presence:
    """A workspace connected: it becomes the one that speaks for this psychologist."""
    with transaction.atomic():
        presence, _ = Presence.objects.select_for_update().get_or_create(user_id=user_id)
        presence.session = session
        presence.last_seen = clock.now()
        presence.save(update_fields=["session", "last_seen"])
        # Nothing changed for callers: only the new window needs the picture (no board-wide frame
        # on every reconnection).
        _tell_workspace(user_id, _presence_values([user_id])[user_id])
    return presence


def choose_status(user_id: int, session: str, target: str) -> None:
    """The psychologist chose available / on break / offline in their workspace."""
    if target not in SELF_SERVICE:
        raise PresenceError(f"Statut inconnu : {target!r}.")
    rested = {} if target == Status.AVAILABLE else {"consecutive_calls": 0}  # a break resets the count
    # Choosing a status ends the wrap-up, record saved or not: the record waits in « Fiches à compléter ».
    done = {"wrap_up_until": None, "wrap_up_call_id": None}
    # The choice comes from the window itself: it is alive now, whenever its last heartbeat was written
    # (heartbeats are written a second later; a window silent meanwhile was shown away at once).
    alive = {"last_seen": clock.now()}
    started = _wrap_up_started(user_id)
    if move(
        user_id,
        SELF_SERVICE[target],
        target,
        session=session,
        where=_wrap_up_done(target),
        **done,
        **rested,
        **alive,
    ):
        _note_wrap_up(user_id, started)
    else:
        current = Presence.objects.filter(pk=user_id).values_list("status", flat=True).first()
        if current in (Status.RINGING, Status.IN_CALL):
            raise PresenceError(gettext("Terminez d'abord l'appel en cours."))
        if current == Status.WRAP_UP and owns_session(user_id, session):
            seconds = settings.ECOUTE_MIN_WRAP_UP_SECONDS
            raise PresenceError(
                gettext("Prenez au moins %(seconds)s s après chaque appel avant le suivant.")
                % {"seconds": seconds}
            )
        raise PresenceError(gettext("Cet espace n'est plus actif : il a été ouvert dans une autre fenêtre."))


def _wrap_up_done(target: str) -> Q | None:
    """Listener protection: a wrap-up cannot be cut shorter than the minimum to take the next call."""
    if target != Status.AVAILABLE:
        return None
    earliest = clock.now() - timedelta(seconds=settings.ECOUTE_MIN_WRAP_UP_SECONDS)
    return ~Q(status=Status.WRAP_UP) | Q(changed_at__lte=earliest)


def dismiss_debrief(user_id: int) -> None:
    Presence.objects.filter(pk=user_id).update(debrief_due=False)


def heartbeat(user_id: int, session: str) -> bool:
    """The workspace is alive; return False if another window has taken over."""
    return bool(Presence.objects.filter(pk=user_id, session=session).update(last_seen=clock.now()))


def heartbeats(pairs: set[tuple[int, str]]) -> set[tuple[int, str]]:
    """Several workspaces alive at once, in two statements; returns the (user id, session) pairs
    whose window still speaks for its psychologist (ecoute/calls/heartbeats.py)."""
    if not pairs:
        return set()
    current = set(
        Presence.objects.filter(pk__in={user_id for user_id, _ in pairs}).values_list("pk", "session")
    )
    owned = pairs & current
    Presence.objects.filter(pk__in={user_id for user_id, _ in owned}).update(last_seen=clock.now())
    return owned


def owns_session(user_id: int, session: str) -> bool:
    return Presence.objects.filter(pk=user_id, session=session).exists()


# --- Moves made by the call lifecycle (ecoute.calls.actions owns when they happen) --------------


def claim_for_ringing(user_id: int) -> bool:
    return move(user_id, [Status.AVAILABLE], Status.RINGING)


def claim_for_supervisor(user_id: int) -> bool:
    """A supervisor takes a waiting call: their open workspace rings even if they were not available."""
    return move(
        user_id, [Status.AVAILABLE, Status.BREAK, Status.OFFLINE], Status.RINGING, where=~Q(session="")
    )


def join_as_supervisor(user_id: int) -> bool:
    """A supervisor joins a call going on (warm transfer), from their open workspace.

    Joined from a wrap-up, that wrap-up ends here: its length is noted on the call it followed, as
    when it ends any other way."""
    with transaction.atomic():
        started = _wrap_up_started(user_id)
        joined = move(
            user_id,
            [Status.AVAILABLE, Status.BREAK, Status.OFFLINE, Status.WRAP_UP],
            Status.IN_CALL,
            where=~Q(session=""),
        )
        if joined:
            _note_wrap_up(user_id, started)
        return joined


def ringing_stopped(user_id: int, target: str = Status.AVAILABLE) -> bool:
    return move(user_id, [Status.RINGING], target)


def call_started(user_id: int) -> bool:
    return move(user_id, [Status.RINGING], Status.IN_CALL, consecutive_calls=F("consecutive_calls") + 1)


def call_finished(user_id: int, high_risk: bool = False, record_call_id=None) -> bool:
    """Start the wrap-up after a call, or go straight back to available if it is set to zero.

    Listener protection: with RECORD_CALL_ID (the call this psychologist must now record) the
    wrap-up lasts until that record is saved or they end it themselves, and at least
    ECOUTE_MIN_WRAP_UP_SECONDS; without it (a supervisor who only joined) it lasts
    ECOUTE_WRAP_UP_SECONDS. After the capped number of calls in a row it is at least a short break,
    and after a call flagged high-risk the workspace prompts a debrief.
    """
    cap = settings.ECOUTE_CONSECUTIVE_CALLS_CAP
    capped = cap > 0 and Presence.objects.filter(pk=user_id, consecutive_calls__gte=cap).exists()
    extra = {"debrief_due": True} if high_risk else {}
    if capped:
        extra["consecutive_calls"] = 0
    if settings.ECOUTE_WRAP_UP_SECONDS == 0 and not capped:
        return move(user_id, [Status.IN_CALL], Status.AVAILABLE, wrap_up_call_id=None, **extra)
    if capped:
        seconds = settings.ECOUTE_CAP_BREAK_SECONDS
    else:
        seconds = settings.ECOUTE_MIN_WRAP_UP_SECONDS if record_call_id else settings.ECOUTE_WRAP_UP_SECONDS
    until = clock.now() + timedelta(seconds=seconds)
    return move(
        user_id,
        [Status.IN_CALL],
        Status.WRAP_UP,
        wrap_up_until=until,
        wrap_up_call_id=record_call_id,
        **extra,
    )


def record_saved(user_id: int, call_id) -> bool:
    """The record the wrap-up waited for is saved: the wrap-up ends (not before its minimum)."""
    with transaction.atomic():
        if not Presence.objects.filter(pk=user_id, wrap_up_call_id=call_id).update(wrap_up_call_id=None):
            return False
        started = _wrap_up_started(user_id)
        if move(
            user_id,
            [Status.WRAP_UP],
            Status.AVAILABLE,
            where=Q(wrap_up_until__lte=clock.now()),
            wrap_up_until=None,
        ):
            _note_wrap_up(user_id, started)
            return True
        _tell_workspace(user_id, _presence_values([user_id])[user_id])  # the countdown to the minimum shows
        return False


# A wrap-up begins as its call ends (ecoute/calls/actions._end): the call it follows ended this
# long before it at most, however late the server runs.
WRAP_UP_FOLLOWS_CALL = timedelta(seconds=10)
# A wrap-up is noted as this long at most: past it, a workspace left open on a record, not work on the
# call; one such evening would otherwise raise the rota's mean handle time for weeks.
WRAP_UP_NOTED_AT_MOST = 30 * 60


def _wrap_up_started(user_id: int) -> datetime | None:
    """When the psychologist's wrap-up began, if they are in one."""
    return (
        Presence.objects.filter(pk=user_id, status=Status.WRAP_UP)
        .values_list("changed_at", flat=True)
        .first()
    )


def _note_wrap_up(user_id: int, started: datetime | None, now: datetime | None = None) -> None:
    """A wrap-up begun at STARTED is over (NOW): its length is noted on the call it followed, so that the
    rota counts the whole time a call holds a listener, talk and wrap-up (ecoute/rota/forecast.py).
    A wrap-up after a call one only joined as supervisor follows no call of theirs: nothing noted."""
    if started is None:
        return
    from ecoute.calls.models import Call  # the calls build on presence, not the reverse

    seconds = min(max(round(((now or clock.now()) - started).total_seconds()), 0), WRAP_UP_NOTED_AT_MOST)
    Call.objects.filter(
        psychologist_id=user_id,
        ended_at__gt=started - WRAP_UP_FOLLOWS_CALL,
        ended_at__lte=started,
        wrap_up_seconds__isnull=True,
    ).update(wrap_up_seconds=seconds)


def wrap_up_call_id(user_id: int):
    """The call whose record the psychologist's last wrap-up waits for, if any: until it is saved or
    they choose a status (a workspace closed or reloaded meanwhile leaves it theirs to finish)."""
    return Presence.objects.filter(pk=user_id).values_list("wrap_up_call_id", flat=True).first()


# --- Timers (run every second by ecoute.calls.timers) --------------------------------------------


def stale_user_ids(now: datetime) -> list[int]:
    """Psychologists shown as present whose workspace has not been heard from in time."""
    limit = now - timedelta(seconds=settings.ECOUTE_PRESENCE_TIMEOUT)
    return list(
        Presence.objects.exclude(status=Status.OFFLINE)
        .filter(last_seen__lt=limit)
        .values_list("pk", flat=True)
    )


def mark_away(user_id: int) -> bool:
    """A silent workspace: nobody must tap a ghost."""
    with transaction.atomic():
        Presence.objects.filter(pk=user_id).update(session="")
        started = _wrap_up_started(user_id)
        moved = move(user_id, [s for s in Status.values if s != Status.OFFLINE], Status.OFFLINE)
        if moved:
            _note_wrap_up(user_id, started)
        return moved


def end_due_wrap_ups(now: datetime) -> int:
    """Wrap-ups past their minimum whose record is saved (or that had none to wait for) end."""
    due = Presence.objects.filter(
        status=Status.WRAP_UP, wrap_up_until__lte=now, wrap_up_call_id__isnull=True
    ).values_list("pk", "changed_at")
    ended = 0
    for user_id, started in list(due):
        if move(user_id, [Status.WRAP_UP], Status.AVAILABLE, wrap_up_until=None):
            _note_wrap_up(user_id, started, now)
            ended += 1
    return ended
