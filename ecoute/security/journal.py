"""Writing to the security journal: one function, called by the actions that the journal covers."""

from .models import SecurityEvent, SecurityEventKind


def record(kind: SecurityEventKind | str, actor=None, summary: str = "", at=None, **details) -> SecurityEvent:
    """Journal one event (now, or AT for work done as of a given time); `details` must be JSON and
    hold nothing that identifies a caller."""
    event = SecurityEvent(kind=kind, actor=actor, summary=summary[:300], details=details)
    if at is not None:
        event.at = at
    event.save()
    return event
