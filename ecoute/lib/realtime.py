"""Sending events to websocket groups, only once the database change behind them is committed."""

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

# Consumers receive these as {"type": "relay", "event": {...}} and forward the event to their socket.
RELAY = "relay"
# Every caller waiting in the queue listens here for "the queue changed: read your position again".
QUEUE_GROUP = "queue"
# Every open supervision board listens here for new alerts.
SUPERVISORS_GROUP = "supervisors"
# How far back the "once per transaction" sends look for the same message among the commit hooks.
RECENT_HOOKS = 20


def staff_group(user_id: int) -> str:
    """Every event meant for one staff member's workspace goes to this group."""
    return f"staff.{user_id}"


def caller_group(call_id) -> str:
    """Every event meant for the caller of one call goes to this group."""
    return f"call.{call_id}.caller"


def after_call_group(call_id) -> str:
    """The caller's app of an answered call, during the call and after it ended (a follow-up proposed
    in the wrap-up still reaches it), until it places another call or closes."""
    return f"call.{call_id}.after"


def send_now(group: str, message: dict) -> None:
    async_to_sync(get_channel_layer().group_send)(group, message)


async def relay_now(group: str, event: dict) -> None:
    """Deliver EVENT to GROUP at once, from a consumer (signalling: nothing to commit)."""
    await get_channel_layer().group_send(group, {"type": RELAY, "event": event})


def relay_after_commit(group: str, event: dict) -> None:
    """Deliver EVENT to GROUP when the current transaction commits, never before (and never on rollback)."""
    send_after_commit(group, {"type": RELAY, "event": event})


def send_after_commit(group: str, message: dict) -> None:
    """Send a channel-layer MESSAGE to GROUP once the transaction commits.

    The messages of one transaction (or savepoint) leave together, in order, through one trip to
    the event loop: a router placing a hundred calls in one pass sends five hundred events, and
    async_to_sync per message cost more than the database work (docs/performance.md). Batches
    follow Django's savepoints, so the messages of a rolled-back savepoint are dropped with it.
    """
    connection = transaction.get_connection()
    hooks = connection.run_on_commit
    if (
        connection.in_atomic_block
        and hooks
        and hooks[-1][0] == set(connection.savepoint_ids)
        and isinstance(hooks[-1][1], _Batch)
    ):
        hooks[-1][1].messages.append((group, message))
        return
    transaction.on_commit(_Batch([(group, message)]))


def send_once_after_commit(group: str, message: dict) -> None:
    """As send_after_commit, unless the same MESSAGE is already due to GROUP at this commit: a nudge
    ("the queue changed") is sent once per transaction however many changes the transaction made."""
    # The latest hooks only: a transaction may hold thousands (the simulator's week is one), and a
    # nudge sent twice costs nothing but a second read.
    for hook in transaction.get_connection().run_on_commit[-RECENT_HOOKS:]:
        if isinstance(hook[1], _Batch) and (group, message) in hook[1].messages:
            return
    send_after_commit(group, message)


class _Batch:
    def __init__(self, messages: list):
        self.messages = messages

    def __call__(self) -> None:
        async_to_sync(_send_all)(self.messages)


async def _send_all(messages: list) -> None:
    layer = get_channel_layer()
    for group, message in messages:
        await layer.group_send(group, message)
