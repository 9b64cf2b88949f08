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


def staff_group(user_id: int) -> str:
    """Every event meant for one staff member's workspace goes to this group."""
    return f"staff.{user_id}"


def caller_group(call_id) -> str:
    """Every event meant for the caller of one call goes to this group."""
    return f"call.{call_id}.caller"


def send_now(group: str, message: dict) -> None:
    async_to_sync(get_channel_layer().group_send)(group, message)


def relay_after_commit(group: str, event: dict) -> None:
    """Deliver EVENT to GROUP when the current transaction commits, never before (and never on rollback)."""
    transaction.on_commit(lambda: send_now(group, {"type": RELAY, "event": event}))


def send_after_commit(group: str, message: dict) -> None:
    """Send a channel-layer MESSAGE (not a relayed event) to GROUP once the transaction commits."""
    transaction.on_commit(lambda: send_now(group, message))
