"""Calendar files (RFC 5545) from the icalendar library: the invitation in each confirmation and the feeds."""

from datetime import UTC

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext
from icalendar import Calendar, vCalAddress, vText
from icalendar import Event as CalendarEvent

PRODID = "-//Écoute//Programme de prévention//FR"


def _calendar(method: str | None = None) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    if method:
        calendar.add("method", method)
    return calendar


def uid(event) -> str:
    return f"programme-event-{event.pk}@{settings.ECOUTE_MAIL_DOMAIN}"


def _entry(event, sequence: int = 0) -> CalendarEvent:
    entry = CalendarEvent()
    entry.add("uid", uid(event))
    entry.add("dtstamp", timezone.now().astimezone(UTC))
    entry.add("dtstart", event.starts_at.astimezone(UTC))
    entry.add("dtend", event.ends_at.astimezone(UTC))
    entry.add("summary", event.title)
    entry.add("sequence", sequence)
    if event.online:
        # The join link is never in a calendar: it is sent by e-mail shortly before.
        entry.add("location", gettext("En ligne (le lien arrive par e-mail une heure avant)"))
    else:
        entry.add("location", ", ".join(part for part in (event.venue, event.city) if part))
    entry.add("description", event.theme or event.title)
    entry.add("url", settings.ECOUTE_PUBLIC_URL + event_path(event))
    return entry


def event_path(event) -> str:
    from django.urls import reverse

    return reverse("programme:event", args=[event.pk])


def invitation(registration, cancel: bool = False) -> bytes:
    """METHOD:REQUEST (or CANCEL) for one registrant: calendar apps add, update or remove the event."""
    event = registration.event
    calendar = _calendar("CANCEL" if cancel else "REQUEST")
    entry = _entry(event, sequence=1 if cancel else 0)
    organizer = vCalAddress(f"mailto:{settings.ECOUTE_MAIL_FROM_ADDRESS}")
    organizer.params["cn"] = vText("Écoute")
    entry.add("organizer", organizer)
    attendee = vCalAddress(f"mailto:{registration.email}")
    attendee.params["role"] = vText("REQ-PARTICIPANT")
    attendee.params["partstat"] = vText("DECLINED" if cancel else "ACCEPTED")
    if registration.name:
        attendee.params["cn"] = vText(registration.name)
    entry.add("attendee", attendee)
    entry.add("status", "CANCELLED" if cancel else "CONFIRMED")
    calendar.add_component(entry)
    return calendar.to_ical()


def feed(events, name: str) -> bytes:
    """A subscription feed of published events (no METHOD: a published calendar, not an invitation)."""
    calendar = _calendar()
    calendar.add("x-wr-calname", name)
    for event in events:
        calendar.add_component(_entry(event))
    return calendar.to_ical()
