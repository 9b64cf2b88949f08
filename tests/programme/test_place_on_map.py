"""An event on site is shown on the directory's map, at its city, when the directory knows the city."""

import pytest
from django.urls import reverse

from ecoute.programme.models import Kind
from tests.directory.conftest import ensure_geography
from tests.programme.support import make_event

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def geography():
    ensure_geography()


def test_an_event_in_a_known_city_has_its_marker_and_its_map(client):
    event = make_event(city="Bordeaux", venue="CHU de Bordeaux, place Amélie Raba-Léon")
    data = client.get(reverse("programme:place", args=[event.pk])).json()
    [marker] = data["features"]
    longitude, latitude = marker["geometry"]["coordinates"]
    assert 44.8 < latitude < 44.9 and -0.6 < longitude < -0.5  # Bordeaux's town hall
    assert marker["properties"]["name"] == "CHU de Bordeaux, place Amélie Raba-Léon"
    assert marker["properties"]["url"].endswith(reverse("programme:event", args=[event.pk]))
    assert data["centre"]["label"].startswith("Bordeaux")
    page = client.get(reverse("programme:event", args=[event.pk])).content.decode()
    assert 'id="directory-map"' in page and reverse("programme:place", args=[event.pk]) in page
    assert "directory/map.js" in page
    assert "Unité dédiée ouverte" not in page  # the directory's legend is not the event's


@pytest.mark.parametrize(
    "fields",
    [
        {"kind": Kind.EJADES, "online": True, "city": "", "venue": ""},  # online: no place
        {"city": "Nulle-Part-sur-Mer"},  # a city the directory does not know
        {"city": "Gironde"},  # a département is an area, not a place
        {"city": ""},
    ],
)
def test_an_event_that_is_not_a_known_place_has_no_map(client, fields):
    event = make_event(**fields)
    assert client.get(reverse("programme:place", args=[event.pk])).status_code == 404
    page = client.get(reverse("programme:event", args=[event.pk])).content.decode()
    assert 'id="directory-map"' not in page and "leaflet" not in page


def test_an_unpublished_events_place_is_not_given(client):
    event = make_event(city="Bordeaux", published=False)
    assert client.get(reverse("programme:place", args=[event.pk])).status_code == 404


def test_the_event_page_with_its_map_is_english(client):
    from tests.test_english_pages import english, french_in

    event = make_event(city="Bordeaux", venue="CHU de Bordeaux")
    html = english(client).get(reverse("programme:event", args=[event.pk])).content.decode()
    assert 'id="directory-map"' in html
    allowed = ["Repérage et prise en charge des soignants rendus vulnérables par leur travail", "Repérage"]
    assert french_in(html, allowed=[*allowed, "CHU de Bordeaux", "Bordeaux", "Hauts-de-France"]) == []


def test_an_event_with_its_venue_s_position_has_its_marker_there_not_at_the_town_hall(client):
    event = make_event(
        city="Bordeaux",
        venue="CHU Pellegrin, place Amélie Raba-Léon",
        venue_latitude=44.82698,
        venue_longitude=-0.60624,
    )
    data = client.get(reverse("programme:place", args=[event.pk])).json()
    [marker] = data["features"]
    assert marker["geometry"]["coordinates"] == [-0.60624, 44.82698]
    assert marker["properties"]["name"] == "CHU Pellegrin, place Amélie Raba-Léon"
    assert marker["properties"]["place"] == "Bordeaux"
    assert (data["centre"]["latitude"], data["centre"]["longitude"]) == (44.82698, -0.60624)
    page = client.get(reverse("programme:event", args=[event.pk])).content.decode()
    assert 'id="directory-map"' in page and "CHU Pellegrin, place Amélie Raba-Léon, Bordeaux" in page


def test_a_venue_s_position_needs_no_city_the_directory_knows_but_an_online_event_has_no_map(client):
    event = make_event(
        city="Nulle-Part-sur-Mer", venue="Salle des fêtes", venue_latitude=48.1, venue_longitude=-1.6
    )
    [marker] = client.get(reverse("programme:place", args=[event.pk])).json()["features"]
    assert marker["geometry"]["coordinates"] == [-1.6, 48.1]
    online = make_event(kind=Kind.EJADES, online=True, venue_latitude=48.1, venue_longitude=-1.6)
    assert client.get(reverse("programme:place", args=[online.pk])).status_code == 404


def test_the_calendar_file_gives_the_venue_s_position():
    from icalendar import Calendar

    from ecoute.programme import calendar

    event = make_event(
        city="Bordeaux", venue="CHU Pellegrin", venue_latitude=44.82698, venue_longitude=-0.60624
    )
    [entry] = Calendar.from_ical(calendar.feed([event], "Agenda")).walk("VEVENT")
    assert (entry["geo"].latitude, entry["geo"].longitude) == (44.82698, -0.60624)


@pytest.mark.parametrize(
    ("latitude", "longitude"),
    [
        (44.82698, -0.60624),
        (42.6976, 9.4508),
        (16.2411, -61.5331),
        (14.6161, -61.0588),
        (4.9372, -52.326),
        (-20.8823, 55.4504),
        (-12.7806, 45.2279),
    ],
)  # Bordeaux, Bastia, Pointe-à-Pitre, Fort-de-France, Cayenne, Saint-Denis, Mamoudzou
def test_a_position_in_france_or_a_dom_is_accepted(latitude, longitude):
    make_event(venue_latitude=latitude, venue_longitude=longitude).full_clean()


@pytest.mark.parametrize(
    ("latitude", "longitude", "reason"),
    [
        (-0.60624, 44.82698, "ni en France"),  # latitude and longitude swapped
        (44.82698, 0.60624 + 180, "ni en France"),
        (40.4168, -3.7038, "ni en France"),  # Madrid
        (45.0, -20.0, "ni en France"),  # the Atlantic
        (44.82698, None, "et d.une longitude"),
        (None, -0.60624, "et d.une longitude"),
    ],
)
def test_a_position_outside_france_or_half_given_is_refused(latitude, longitude, reason):
    from django.core.exceptions import ValidationError

    event = make_event()
    event.venue_latitude, event.venue_longitude = latitude, longitude
    with pytest.raises(ValidationError, match=reason):
        event.full_clean()


def test_the_event_form_has_the_map_to_place_the_venue(client):
    from ecoute.accounts.models import Role
    from tests.support.contacts import make_staff
    from tests.support.twofactor import log_in

    user = make_staff(Role.PROGRAMME)
    user.is_staff = True
    user.save()
    log_in(client, user)
    page = client.get(reverse("admin:programme_event_add")).content.decode()
    assert 'id="venue-map"' in page and "programme/venue_map.js" in page
    assert 'name="venue_latitude"' in page and 'name="venue_longitude"' in page
