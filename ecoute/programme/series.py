"""Series of sessions (eJADES two or three times a week): copies of one event, week after week."""

from datetime import timedelta

from django.db import transaction

from .models import Event, Slot, Workshop


@transaction.atomic
def repeat_weekly(event: Event, weeks: int) -> list[Event]:
    """WEEKS copies of EVENT (its slots and workshops too), one a week after it, unpublished for review.

    A week that already has the same title at the same time is skipped: running it twice adds nothing.
    """
    made = []
    for week in range(1, weeks + 1):
        shift = timedelta(weeks=week)
        if Event.objects.filter(title=event.title, starts_at=event.starts_at + shift).exists():
            continue
        copy = Event.objects.get(pk=event.pk)
        copy.pk = None
        copy.starts_at, copy.ends_at = event.starts_at + shift, event.ends_at + shift
        copy.published, copy.cancelled_at = False, None
        copy.save()
        for slot in event.slots.prefetch_related("workshops"):
            new_slot = Slot.objects.create(
                event=copy, label=slot.label, starts_at=slot.starts_at + shift, ends_at=slot.ends_at + shift
            )
            Workshop.objects.bulk_create(
                Workshop(slot=new_slot, title=w.title, capacity=w.capacity) for w in slot.workshops.all()
            )
        made.append(copy)
    return made
