"""Where an event on site takes place, as a point of the directory's map.

Staff may set the venue's exact position (the event's form in the back office: a marker on the map,
or its latitude and longitude; no geocoder is reachable from Écoute, so nothing guesses it from the
address). Without one, the event's city is used when the directory knows it as a commune (or a postal
code): the town hall's position. An online event, a city the directory does not know, or a département
or region (an area, not a place) shows no map.
"""

from django.utils.translation import gettext_lazy as _

from ecoute.directory import search

from .models import Event

PLACE_KINDS = ("commune", "postal_code")

# Where an event of the association may be: metropolitan France with Corsica, and the five DOM, as
# boxes of (south, north, west, east) in degrees. A box holds a little of the neighbours too: this
# catches a slip (latitude and longitude swapped, a sign lost, a point at sea), not a border dispute.
FRANCE_AREAS = {
    _("France métropolitaine"): (41.3, 51.1, -5.2, 9.6),
    _("Guadeloupe"): (15.8, 16.55, -61.85, -60.95),
    _("Martinique"): (14.35, 14.9, -61.25, -60.8),
    _("Guyane"): (2.1, 5.8, -54.65, -51.6),
    _("La Réunion"): (-21.4, -20.85, 55.2, 55.85),
    _("Mayotte"): (-13.05, -12.6, 44.95, 45.35),
}


def in_france(latitude: float, longitude: float) -> bool:
    return any(
        south <= latitude <= north and west <= longitude <= east
        for south, north, west, east in FRANCE_AREAS.values()
    )


def event_place(event: Event) -> search.Place | None:
    if event.online:
        return None
    if event.venue_latitude is not None and event.venue_longitude is not None:
        # The marker's popup names the venue (its address); the place's label is the city around it.
        label = event.city.strip() or event.venue.strip()
        return search.Place(label, event.venue_latitude, event.venue_longitude, "venue")
    if not event.city.strip():
        return None
    try:
        place = search.locate(event.city)
    except search.PlaceNotFound:
        return None
    return place if place.how in PLACE_KINDS else None
