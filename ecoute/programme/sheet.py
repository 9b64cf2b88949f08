"""The sign-in sheet of a training: one row per participant, one cell per half-day (slot) to sign.

An event without slots has one cell per person (slot None). The same rows make the page staff use
on a tablet and the PDF of a half-day, the emargement document DPC auditors ask for.
"""

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from django.template.loader import render_to_string
from django.utils import timezone

from .actions import signing_window
from .models import HOLDING_STATES, Event, Registration, Signature, Slot, State

# Not a static file: only WeasyPrint reads it, as the certificate's.
STYLE = Path(__file__).parent / "pdf" / "sign_in_sheet.css"


@dataclass
class Cell:
    person: Registration
    slot: Slot | None
    signature: Signature | None
    # The half-day's signing window (actions.signing_window) and where the page's clock stands in it.
    opens_at: datetime | None = None
    closes_at: datetime | None = None
    now: datetime | None = None

    @property
    def too_early(self) -> bool:
        """Nobody signs, nor is noted present, before the sheet opens (30 minutes before the start)."""
        return self.opens_at is not None and self.now < self.opens_at

    @property
    def signable(self) -> bool:
        """The tablet's pad is offered: the half-day's window is open."""
        return not self.too_early and (self.closes_at is None or self.now < self.closes_at)

    @property
    def key(self) -> str:
        """What the page posts to sign this cell: the registration and the slot (0: no slot)."""
        return f"{self.person.pk}:{self.slot.pk if self.slot else 0}"


def people(event: Event):
    """Those expected: holding a place (a place only offered is not taken yet)."""
    return (
        event.registrations.filter(state__in=HOLDING_STATES)
        .exclude(state=State.OFFERED)
        .select_related("profession")
        .order_by("name", "email")
    )


def rows(event: Event, slots: list[Slot | None], now=None) -> list[tuple[Registration, list[Cell]]]:
    listed = list(people(event))
    signed = {
        (signature.registration_id, signature.slot_id): signature
        for signature in Signature.objects.filter(registration__in=listed).select_related("noted_by")
    }
    now = now or timezone.now()
    windows = [signing_window(event, slot) for slot in slots]
    return [
        (
            person,
            [
                Cell(person, slot, signed.get((person.pk, slot.pk if slot else None)), *window, now)
                for slot, window in zip(slots, windows)
            ],
        )
        for person in listed
    ]


def half_days(event: Event) -> list[Slot | None]:
    return list(event.slots.all()) or [None]


def pdf(event: Event, slot: Slot | None) -> bytes:
    """The printable sheet of one half-day: names, professions, signatures (or the note of staff)."""
    from weasyprint import CSS, HTML  # imported here: it loads Pango, which only PDFs need

    html = render_to_string(
        "programme/sign_in_sheet_pdf.html",
        {
            "event": event,
            "slot": slot,
            "cells": [cells[0] for _, cells in rows(event, [slot])],
            "printed": timezone.localtime(),
        },
    )
    return HTML(string=html).write_pdf(stylesheets=[CSS(filename=STYLE)])
