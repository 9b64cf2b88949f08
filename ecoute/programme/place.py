"""Where an event on site takes place, as a point of the directory's map (its communes' geography).

An event names its city in words; when the directory knows it as a commune (or a postal code), the
event page shows it on the same map as the directory, at the town hall's position. An online event,
a city the directory does not know, or a département or region (an area, not a place) shows no map.
"""

from ecoute.directory import search

from .models import Event

PLACE_KINDS = ("commune", "postal_code")


def event_place(event: Event) -> search.Place | None:
    if event.online or not event.city.strip():
        return None
    try:
        place = search.locate(event.city)
    except search.PlaceNotFound:
        return None
    return place if place.how in PLACE_KINDS else None
