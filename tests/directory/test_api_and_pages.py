"""The public pages and the JSON API: results with distances, and a clear error for every wrong input."""

import importlib
import re

import pytest

from .conftest import BORDEAUX, MERIGNAC, make_entry

pytestmark = pytest.mark.usefixtures("geography")


@pytest.fixture
def two(geography):
    return make_entry("near", BORDEAUX, name="Claire Near", themes=["burnout"]), make_entry(
        "far", MERIGNAC, name="Paul Far", themes=["sommeil"]
    )


def test_the_api_returns_the_nearest_first_with_distances(client, two):
    data = client.get("/api/directory/entries", {"q": "33000"}).json()
    assert data["place"]["how"] == "postal_code" and data["radius_km"] == 50
    assert [(r["external_id"], r["distance_km"]) for r in data["results"]][0] == ("near", 0.0)
    assert data["results"][1]["external_id"] == "far" and data["results"][1]["distance_km"] > 5


def test_the_api_filters_by_theme(client, two):
    data = client.get("/api/directory/entries", {"q": "Bordeaux", "theme": "sommeil"}).json()
    assert [r["external_id"] for r in data["results"]] == ["far"]


@pytest.mark.parametrize(
    "params, field, words",
    [
        ({}, "q", "Indiquez un lieu"),
        ({"q": "33000", "theme": "licornes"}, "theme", "choix valide"),
        ({"q": "33000", "kind": "sorcier"}, "kind", "choix valide"),
        ({"q": "33000", "radius": "7"}, "radius", "choix valide"),
        ({"q": "33000", "teleconsultation": "peut-être"}, "teleconsultation", "utilisez 1 ou 0"),
        ({"lat": "44.8"}, "__all__", "latitude et une longitude"),
        ({"lat": "144.8", "lon": "2"}, "lat", "inférieure ou égale à 90"),
        ({"lat": "abc", "lon": "2"}, "lat", "nombre"),
        ({"q": "Atlantide"}, "q", "Atlantide"),
        ({"q": "x" * 101}, "q", "100 caractères"),
        ({"q": "33000", "limit": "0"}, "limit", "supérieure ou égale à 1"),
    ],
)
def test_every_wrong_input_gets_a_clear_error(client, params, field, words):
    response = client.get("/api/directory/entries", params)
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert any(words in error["message"] for error in errors[field]), errors


def test_the_search_page_shows_results_with_their_distance(client, two):
    response = client.get("/orientation/", {"q": "33000"})
    page = response.content.decode()
    assert response.status_code == 200
    assert page.index("Claire Near") < page.index("Paul Far")
    assert "2 adresses à moins de 50 km de 33000 Bordeaux" in page and "0,0 km" in page


def test_the_search_page_explains_a_wrong_place_and_suggests(client):
    response = client.get("/orientation/", {"q": "Bordo"})
    assert response.status_code == 400
    assert "ne s’appelle « Bordo »" in response.content.decode()


def test_the_first_visit_shows_the_form_without_errors(client):
    response = client.get("/orientation/")
    assert response.status_code == 200 and 'class="error"' not in response.content.decode()


def test_an_entry_page_says_what_to_expect(client, two):
    near, _ = two
    near.what_to_expect = "Un premier entretien de 45 minutes."
    near.save()
    page = client.get(near.get_absolute_url()).content.decode()
    assert "Un premier entretien de 45 minutes." in page and "À quoi s’attendre" in page


def test_the_map_data_has_the_results_and_every_unit(client, two):
    make_entry("unit-open", BORDEAUX, kind="unit", unit_status="open")
    make_entry("unit-soon", "69123", kind="unit", unit_status="upcoming")
    data = client.get("/orientation/carte/donnees.json", {"q": "33000"}).json()
    kinds = {(f["properties"]["kind"], f["properties"]["unit_status"]) for f in data["features"]}
    assert ("unit", "open") in kinds and ("unit", "upcoming") in kinds and ("professional", None) in kinds
    assert data["centre"]["label"] == "33000 Bordeaux"


def test_outlines_are_served_as_geojson(client):
    data = client.get("/api/directory/outlines.geojson").json()
    assert {feature["properties"]["code"] for feature in data["features"]} >= {"33", "75"}


NO_TILES_NOTE = "Aucun fond de carte n’est chargé"


def test_by_default_no_tile_server_is_set(monkeypatch):
    """Tiles from a third party would give it every visitor's address: none unless a deployment sets one."""
    monkeypatch.delenv("ECOUTE_MAP_TILE_URL", raising=False)
    defaults = importlib.reload(importlib.import_module("ecoute.settings"))
    assert defaults.ECOUTE_MAP_TILE_URL == ""


def test_without_tiles_the_map_page_says_nothing_is_sent_elsewhere(client, settings):
    settings.ECOUTE_MAP_TILE_URL = ""
    page = client.get("/orientation/carte/").content.decode()
    assert 'data-tiles=""' in page and NO_TILES_NOTE in page and "openstreetmap" not in page


def test_with_a_configured_tile_server_the_map_uses_it_and_the_note_goes(client, settings):
    settings.ECOUTE_MAP_TILE_URL = "https://tuiles.example.org/{z}/{x}/{y}.png"
    page = client.get("/orientation/carte/").content.decode()
    assert 'data-tiles="https://tuiles.example.org/{z}/{x}/{y}.png"' in page and NO_TILES_NOTE not in page


@pytest.mark.parametrize(
    "params, used",
    [({"q": "33000"}, 50), ({"q": "33000", "radius": ""}, 50), ({"q": "33000", "radius": "25"}, 25)],
)
def test_the_distance_field_shows_the_distance_the_results_use(client, two, params, used):
    """Without a distance asked the results use 50 km: the form must say 50, or refining the search would shrink it to 10."""
    page = client.get("/orientation/", params).content.decode()
    assert f"à moins de {used} km de 33000 Bordeaux" in page
    selected = re.findall(r'<option value="(\d+)" selected>', page[page.index('name="radius"') :])
    assert selected[:1] == [str(used)]
