"""Searching the directory: every way of locating, distances in order, filters that combine, clear errors."""

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ecoute.directory.models import Commune
from ecoute.directory.search import Criteria, PlaceNotFound, locate, locate_coordinates, search
from ecoute.lib.geo import bounding_box, haversine_km

from .conftest import (
    ARCACHON,
    BORDEAUX,
    LIBOURNE,
    LYON,
    MARSEILLE,
    MERIGNAC,
    PARIS_11,
    RENNES,
    SAINT_MALO,
    make_entry,
)

pytestmark = pytest.mark.usefixtures("geography")


@pytest.fixture
def network(geography):
    """One entry in each of several towns, all of the same kind, so distance alone orders them."""
    return {
        code: make_entry(f"pro-{code}", code, name=f"Cabinet {code}")
        for code in (BORDEAUX, MERIGNAC, LIBOURNE, ARCACHON, PARIS_11, LYON, RENNES, SAINT_MALO, MARSEILLE)
    }


def names(results) -> list[str]:
    return [hit.entry.name for hit in results.hits]


def distances(results) -> list[float]:
    return [hit.distance_km for hit in results.hits]


def test_distances_are_great_circle_kilometres():
    assert haversine_km(48.8566, 2.3522, 45.7640, 4.8357) == pytest.approx(392, abs=2)  # Paris–Lyon
    assert haversine_km(44.84, -0.58, 44.84, -0.58) == 0


@settings(max_examples=200, deadline=None)
@given(
    st.floats(-60, 60), st.floats(-170, 170), st.floats(1, 300), st.floats(0, 2 * math.pi), st.floats(0, 1)
)
def test_the_bounding_box_holds_every_point_within_the_radius(lat, lon, radius, bearing, fraction):
    """Walk FRACTION of the radius in any direction: the point is still in the prefilter's box."""
    distance = radius * fraction * 0.999
    phi1, lambda1, delta = math.radians(lat), math.radians(lon), distance / 6371.0088
    phi2 = math.asin(math.sin(phi1) * math.cos(delta) + math.cos(phi1) * math.sin(delta) * math.cos(bearing))
    lambda2 = lambda1 + math.atan2(
        math.sin(bearing) * math.sin(delta) * math.cos(phi1),
        math.cos(delta) - math.sin(phi1) * math.sin(phi2),
    )
    box = bounding_box(lat, lon, radius)
    assert box.south <= math.degrees(phi2) <= box.north
    assert box.west <= math.degrees(lambda2) <= box.east


def test_by_postal_code_the_nearest_come_first(network):
    place = locate("33000")
    assert place.how == "postal_code" and place.label == "33000 Bordeaux"
    results = search(Criteria(place=place, radius_km=50))
    assert names(results) == [
        "Cabinet 33063",
        "Cabinet 33281",
        "Cabinet 33243",
    ]  # Bordeaux, Mérignac, Libourne
    assert distances(results) == sorted(distances(results)) and distances(results)[0] == 0
    assert results.total == 3
    # Arcachon is some 55 km away: in at 100 km, last.
    assert names(search(Criteria(place=place, radius_km=100)))[-1] == "Cabinet 33009"


def test_by_commune_name_written_any_way(network):
    place = locate("merignac")
    assert place.how == "commune" and place.label == "Mérignac (33)"
    results = search(Criteria(place=place, radius_km=10))
    assert names(results) == ["Cabinet 33281", "Cabinet 33063"]
    assert locate("ST MALO").label == "Saint-Malo (35)"


def test_a_commune_name_with_its_departement(network):
    assert locate("Bordeaux (33)").label == "Bordeaux (33)"
    with pytest.raises(PlaceNotFound):
        locate("Bordeaux (35)")


def test_by_departement_code_or_name_only_that_departement_nearest_its_seat_first(network):
    for text in ("33", "Gironde"):
        place = locate(text)
        assert place.how == "departement" and place.departement_code == "33"
        results = search(Criteria(place=place))
        assert names(results) == ["Cabinet 33063", "Cabinet 33281", "Cabinet 33243", "Cabinet 33009"]


def test_an_area_search_cut_short_keeps_the_nearest_and_counts_them_all(network):
    """Only the nearest entries of an area are fetched, ring after ring around the seat: the cut must not show."""
    place = locate("Gironde")
    for limit, expected in (
        (1, ["Cabinet 33063"]),
        (2, ["Cabinet 33063", "Cabinet 33281"]),
        (3, ["Cabinet 33063", "Cabinet 33281", "Cabinet 33243"]),
    ):
        results = search(Criteria(place=place, limit=limit))
        assert names(results) == expected and results.total == 4


def test_by_region_only_that_region(network):
    place = locate("Bretagne")
    assert place.how == "region"
    assert names(search(Criteria(place=place))) == [
        "Cabinet 35238",
        "Cabinet 35288",
    ]  # Rennes (the seat), then Saint-Malo


def test_by_coordinates_rounded_to_a_kilometre(network):
    place = locate_coordinates(45.76789, 4.83456)
    assert (place.latitude, place.longitude) == (45.77, 4.83)
    results = search(Criteria(place=place, radius_km=25))
    assert names(results) == ["Cabinet 69123"]
    assert results.hits[0].distance_km < 2


def test_the_radius_cuts_exactly(network):
    bordeaux = Commune.objects.get(pk=BORDEAUX)
    libourne = Commune.objects.get(pk=LIBOURNE)
    gap = haversine_km(bordeaux.latitude, bordeaux.longitude, libourne.latitude, libourne.longitude)
    place = locate("Bordeaux")
    assert "Cabinet 33243" not in names(search(Criteria(place=place, radius_km=math.floor(gap))))
    assert "Cabinet 33243" in names(search(Criteria(place=place, radius_km=math.ceil(gap))))


def test_filters_combine(geography):
    keep = make_entry(
        "keep",
        BORDEAUX,
        themes=["burnout", "sommeil"],
        languages=["en"],
        networks=["morphee"],
        teleconsultation=True,
    )
    make_entry(
        "wrong-theme",
        BORDEAUX,
        themes=["sommeil"],
        languages=["en"],
        networks=["morphee"],
        teleconsultation=True,
    )
    make_entry(
        "wrong-language",
        BORDEAUX,
        themes=["burnout"],
        languages=["es"],
        networks=["morphee"],
        teleconsultation=True,
    )
    make_entry("no-teleconsultation", BORDEAUX, themes=["burnout"], languages=["en"], networks=["morphee"])
    make_entry(
        "full",
        BORDEAUX,
        themes=["burnout"],
        languages=["en"],
        networks=["morphee"],
        teleconsultation=True,
        accepting_new_patients=False,
    )
    make_entry(
        "other-network",
        BORDEAUX,
        themes=["burnout"],
        languages=["en"],
        networks=["sps"],
        teleconsultation=True,
    )
    make_entry(
        "psychiatrist",
        BORDEAUX,
        profession="psychiatre",
        themes=["burnout"],
        languages=["en"],
        networks=["morphee"],
        teleconsultation=True,
    )
    make_entry(
        "unit",
        BORDEAUX,
        kind="unit",
        unit_status="open",
        themes=["burnout"],
        languages=["en"],
        networks=["morphee"],
        teleconsultation=True,
    )
    place = locate("33000")
    everything = Criteria(
        place=place,
        kind="professional",
        profession="psychologue",
        theme="burnout",
        language="en",
        network="morphee",
        teleconsultation=True,
        accepting=True,
    )
    assert [hit.entry for hit in search(everything).hits] == [keep]
    assert len(search(Criteria(place=place, theme="burnout")).hits) == 7
    assert {hit.entry.external_id for hit in search(Criteria(place=place, kind="unit")).hits} == {"unit"}
    assert len(search(Criteria(place=place, theme="burnout", language="en")).hits) == 6


def test_nationwide_lines_are_listed_apart_and_filtered_too(geography):
    make_entry("3114", None, kind="emergency", nationwide=True, themes=["risque-suicidaire"], phone="3114")
    make_entry("legal", None, kind="service", service_type="legal", nationwide=True, themes=["harcelement"])
    results = search(Criteria(place=locate("33000"), theme="risque-suicidaire"))
    assert [entry.external_id for entry in results.nationwide] == ["3114"] and results.hits == []


def test_unpublished_entries_are_never_found(geography):
    make_entry("hidden", BORDEAUX, published=False)
    assert search(Criteria(place=locate("33000"))).hits == []


@pytest.mark.parametrize(
    "text, message",
    [
        ("99999", "Le code postal 99999 n’existe pas."),
        ("Atlantide", "ne s’appelle « Atlantide »"),
        ("2C", "ne s’appelle"),
    ],
)
def test_unknown_places_say_so(text, message):
    with pytest.raises(PlaceNotFound, match=message):
        locate(text)


def test_a_near_miss_gets_suggestions():
    with pytest.raises(PlaceNotFound) as error:
        locate("Marsei")
    assert "Marseille (13)" in error.value.suggestions


def test_an_area_search_reads_its_entries_by_their_communes_code_prefix(network):
    gironde = locate("Gironde")
    assert gironde.code_prefixes == ("33",)
    assert set(locate("Bretagne").code_prefixes) >= {"35"}
    results = search(Criteria(place=gironde))
    assert results.total == 4 and {hit.entry.commune_id[:2] for hit in results.hits} == {"33"}


def test_a_commune_whose_code_breaks_the_rule_sends_area_searches_through_the_communes(network):
    from ecoute.directory.search import forget_places

    bordeaux = Commune.objects.get(pk=BORDEAUX)
    Commune.objects.create(
        code="99999",
        name="Bordeaux-Neuf",
        departement_id="33",
        latitude=bordeaux.latitude,
        longitude=bordeaux.longitude,
    )
    make_entry("pro-odd", "99999", name="Cabinet hors règle")
    forget_places()
    try:
        gironde = locate("Gironde")
        assert gironde.code_prefixes == ()
        results = search(Criteria(place=gironde))
        assert results.total == 5 and "Cabinet hors règle" in names(results)
    finally:
        forget_places()  # the next tests find places with the rule again
