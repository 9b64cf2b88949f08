"""One more in a table of anonymous counts (self-test contributions, callers' feedback).

Counting tables hold a count per cell, never a row per answer: a cell's row is created by whichever
request comes first, and every other adds one to it in the database, so that concurrent requests
never lose a count.
"""

from django.db import IntegrityError, transaction
from django.db.models import F


def add_one(model, **cell) -> None:
    """COUNT + 1 for the row of MODEL matching CELL (its unique fields), created at 1 if missing."""
    with transaction.atomic():
        if model.objects.filter(**cell).update(count=F("count") + 1):
            return
        try:
            with transaction.atomic():
                model.objects.create(**cell, count=1)
        except IntegrityError:  # created meanwhile by another request
            model.objects.filter(**cell).update(count=F("count") + 1)
