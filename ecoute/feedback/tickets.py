"""One feedback per answered call, without knowing which call.

When an answered call ends, the caller's app is handed a random ticket (the `feedback.offered`
event); the cache keeps only the ticket's SHA-256, with no call, psychologist or device beside it,
for TICKET_SECONDS. Giving feedback spends the ticket: a script cannot fill the statistics, and
nobody can tell which call a feedback came from.
"""

import hashlib
import secrets

from django.core.cache import cache

TICKET_SECONDS = 2 * 3600


def _key(ticket: str) -> str:
    return "feedback-ticket:" + hashlib.sha256(ticket.encode()).hexdigest()


def issue() -> str:
    ticket = secrets.token_urlsafe(24)
    cache.set(_key(ticket), 1, TICKET_SECONDS)
    return ticket


def spend(ticket: str) -> bool:
    """True once for a ticket issued and not yet spent (the cache's delete says whether it was there)."""
    if not isinstance(ticket, str) or not 20 <= len(ticket) <= 64:
        return False
    return bool(cache.delete(_key(ticket)))
