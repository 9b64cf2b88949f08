"""Writing to the security journal: one function, called by the actions that the journal covers."""

from .models import SecurityEvent, SecurityEventKind


def record(kind: SecurityEventKind | str, actor=None, summary: str = "", **details) -> SecurityEvent:
    """Journal one event; `details` must be JSON and hold nothing that identifies a caller."""
    return SecurityEvent.objects.create(kind=kind, actor=actor, summary=summary[:300], details=details)
