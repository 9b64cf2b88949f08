"""Each psychologist's shifts as a private calendar feed (RFC 5545), read by their calendar app.

The address holds the secret key of their Commitment: whoever has the link reads the shifts (times
only; nothing about calls or callers), so a new key can be asked for at any time, cutting the old link.
"""

from datetime import UTC, timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext
from icalendar import Calendar
from icalendar import Event as CalendarEvent

from .models import Shift, ShiftStatus

PRODID = "-//Écoute//Planning//FR"
# A feed shows the shifts from a month back (the calendar keeps the recent past) onwards.
PAST_SHOWN = timedelta(days=31)


def feed(user) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", gettext("Écoute — mes gardes"))
    shifts = Shift.objects.filter(user=user, end__gte=timezone.now() - PAST_SHOWN)
    for shift in shifts:
        calendar.add_component(entry(shift))
    return calendar.to_ical()


def entry(shift: Shift) -> CalendarEvent:
    event = CalendarEvent()
    event.add("uid", f"rota-shift-{shift.pk}@{settings.ECOUTE_MAIL_DOMAIN}")
    event.add("dtstamp", timezone.now().astimezone(UTC))
    event.add("dtstart", shift.start.astimezone(UTC))
    event.add("dtend", shift.end.astimezone(UTC))
    event.add("summary", gettext("Garde de supervision") if shift.supervising else gettext("Garde d'écoute"))
    event.add(
        "status",
        "CANCELLED"
        if shift.status == ShiftStatus.CANCELLED
        else "CONFIRMED"
        if shift.status == ShiftStatus.CONFIRMED
        else "TENTATIVE",
    )
    return event
