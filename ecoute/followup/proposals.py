"""A follow-up the psychologist proposed, waiting for the caller's answer: in the cache only.

The caller's app gets a random proposal id (the `follow_up.proposed` event); the cache keeps, under
its SHA-256, which psychologist and what time, for PROPOSAL_SECONDS. Nothing about the caller: the
proposal reaches them through their call's group, and agreeing spends it.
"""

import hashlib
import re
import secrets
from datetime import datetime

from django.core.cache import cache

PROPOSAL_SECONDS = 30 * 60
_FORM = re.compile(r"^[A-Za-z0-9_-]{32}$")


def _key(proposal: str) -> str:
    return "follow-up-proposal:" + hashlib.sha256(proposal.encode()).hexdigest()


def offer(psychologist_id: int, at: datetime) -> str:
    proposal = secrets.token_urlsafe(24)
    cache.set(_key(proposal), {"psychologist_id": psychologist_id, "at": at.isoformat()}, PROPOSAL_SECONDS)
    return proposal


def take(proposal) -> dict | None:
    """The proposal's psychologist and time, once; None when malformed, unknown, expired or already taken."""
    if not isinstance(proposal, str) or not _FORM.match(proposal):
        return None
    found = cache.get(_key(proposal))
    # The delete says whether this request is the one that spent it (two taps at once agree once).
    if found is None or not cache.delete(_key(proposal)):
        return None
    return {"psychologist_id": found["psychologist_id"], "at": datetime.fromisoformat(found["at"])}
