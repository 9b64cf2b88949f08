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
