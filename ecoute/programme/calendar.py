"""Calendar files (RFC 5545) from the icalendar library: the invitation in each confirmation and the feeds."""

from datetime import UTC

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from icalendar import Calendar, vCalAddress, vRecur, vText
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
        if event.venue_latitude is not None and event.venue_longitude is not None:
            entry.add("geo", (event.venue_latitude, event.venue_longitude))  # a phone's map opens there
    entry.add("description", event.theme or event.title)
    entry.add("url", settings.ECOUTE_PUBLIC_URL + event_path(event))
    return entry


def event_path(event) -> str:
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
    """A subscription feed of published events (no METHOD: a published calendar, not an invitation).

    The sessions of a series come as one recurring entry (series_entries) rather than one each.
    """
    calendar = _calendar()
    calendar.add("x-wr-calname", name)
    series_seen = set()
    for event in events:
        if event.series_id is None:
            calendar.add_component(_entry(event))
        elif event.series_id not in series_seen:
            series_seen.add(event.series_id)
            for entry in series_entries(event.series):
                calendar.add_component(entry)
    if series_seen:
        calendar.add_missing_timezones()  # the VTIMEZONE of the series' Paris times
    return calendar.to_ical()


def series_uid(series) -> str:
    return f"programme-series-{series.pk}@{settings.ECOUTE_MAIL_DOMAIN}"


def series_entries(series) -> list[CalendarEvent]:
    """A series as RFC 5545 has it: the rule; an EXDATE for each occurrence with no session open
    (cancelled, withdrawn, deleted); an entry with RECURRENCE-ID for each session moved or retitled."""
    from .series import occurrences

    sessions = {
        session.occurrence: session
        for session in series.sessions.filter(published=True, cancelled_at=None).exclude(occurrence=None)
    }
    template = series.template
    length = template.ends_at - template.starts_at
    first = timezone.localtime(series.first_start)
    master = _entry(template)
    master["uid"] = series_uid(series)
    for name in ("dtstart", "dtend", "summary", "url"):
        master.pop(name)
    master.add("summary", series.title)
    # In Paris time (TZID), so that the calendar keeps 12:30 across the change to summer time.
    master.add("dtstart", first)
    master.add("dtend", first + length)
    master.add("url", settings.ECOUTE_PUBLIC_URL + reverse("programme:agenda"))
    master.add("rrule", vRecur.from_ical(series.rule.strip().removeprefix("RRULE:")))
    entries = [master]
    for start in occurrences(series.rule, series.first_start):
        session = sessions.get(start)
        if session is None:
            master.add("exdate", timezone.localtime(start))
        elif (
            session.starts_at != start
            or session.ends_at - session.starts_at != length
            or session.title != series.title
        ):
            moved = _entry(session)
            moved["uid"] = series_uid(series)
            moved.add("recurrence-id", timezone.localtime(start))
            entries.append(moved)
    return entries
