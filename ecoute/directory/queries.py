"""Read-only look-ups other parts of Écoute call: the workspace, and the contact record (issue 4)."""

from .models import Entry


def orientations_by_id(entry_ids: list[int]) -> list[Entry]:
    """Entries chosen as orientations, for the contact record (issue 4): unknown ids raise Entry.DoesNotExist."""
    entries = Entry.objects.in_bulk(entry_ids)
    missing = [pk for pk in entry_ids if pk not in entries]
    if missing:
        raise Entry.DoesNotExist(f"Entrées inconnues : {missing}")
    return [entries[pk] for pk in entry_ids]
