"""The queue: calls waiting for the router (ecoute/calls/router.py), in the order it places them.

A call joins it through actions.enqueue (or actions.enqueue_all for the requests a server process
received at once, ecoute/calls/queue_intake.py); a call that rang somebody who did not answer keeps
its place. Where each caller stands and how long they may wait: ecoute/calls/place.py.
"""

from django.db.models import QuerySet

from .models import Call, CallState

# Calls held back as abuse (ecoute/abuse) last, even urgent ones; then a caller who said they are in
# danger before everyone; then first come, first served by the time the call joined the queue.
QUEUE_ORDER = ("held_back", "-priority", "queued_at", "pk")


def waiting_calls() -> QuerySet:
    """The queue: calls waiting for the router, in the order they will be placed."""
    return Call.objects.filter(state=CallState.REQUESTED, queued_at__isnull=False).order_by(*QUEUE_ORDER)
