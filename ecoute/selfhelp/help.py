"""The help block every self-help page ends with: who can answer now, and the emergency numbers."""

from ecoute.presence.models import BoardStatus
from ecoute.presence.queries import board_entries

SHOWN = 3


def help_now() -> dict:
    """Who is available on the line right now (first names, as the caller board shows them)."""
    available = [entry for entry in board_entries() if entry["status"] == BoardStatus.AVAILABLE]
    return {
        "available_count": len(available),
        "available_names": [entry["name"] for entry in available[:SHOWN]],
    }
