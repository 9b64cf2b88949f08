"""The public directory on a phone, in Debian's Chromium: the search, and the map even without tile access."""

import pytest

from tests.support.live import screenshot

from .conftest import ARCACHON, BORDEAUX, LIBOURNE, LYON, MERIGNAC, ensure_geography, make_entry

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def directory():
    ensure_geography()
    make_entry(
        "pro-bdx",
        BORDEAUX,
        name="Dr Claire Martin",
        profession="psychiatre",
        themes=["burnout"],
        languages=["en"],
        phone="05 56 00 00 01",
        teleconsultation=True,
        address="12 rue Pasteur",
        postal_code="33000",
    )
    make_entry("pro-mer", MERIGNAC, name="Paul Bernard", themes=["sommeil"], latitude=44.84, longitude=-0.65)
    make_entry("hdj-lib", LIBOURNE, kind="day_hospital", name="Hôpital de jour de Libourne")
    make_entry("unit-arc", ARCACHON, kind="unit", unit_status="open", beds=24, name="Unité dédiée du Bassin")
    make_entry(
        "unit-lyon",
        LYON,
        kind="unit",
        unit_status="upcoming",
        opening="Ouverture en 2027",
        name="Unité dédiée de Lyon",
    )
    make_entry(
        "3114", None, kind="emergency", nationwide=True, phone="3114", name="3114 — prévention du suicide"
    )


def test_searching_by_postal_code_on_a_phone(new_site_page, directory):
    page = new_site_page("/orientation/")
    page.get_by_label("Code postal, commune, département ou région").fill("33000")
    page.get_by_role("button", name="Rechercher").click()
    page.wait_for_selector("#results-title")
    names = page.locator(".results .result-name").all_inner_texts()
    assert names[:3] == ["Dr Claire Martin", "Paul Bernard", "Hôpital de jour de Libourne"]
    assert page.locator(".result").first.locator(".distance").inner_text() == "0,0 km"
    assert "3114 — prévention du suicide" in names  # reachable from anywhere, listed apart
    assert page.locator(".safety-bar .emergency-number").count() == 3
    # Nothing wider than the phone: no sideways scrolling.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "directory-search-phone")
    page.locator("#results-title").scroll_into_view_if_needed()
    screenshot(page, "directory-results-phone")


def test_a_wrong_place_is_explained_on_the_page(new_site_page, directory):
    page = new_site_page("/orientation/?q=Bordo")
    assert "ne s’appelle « Bordo »" in page.locator("#q-error").inner_text()
    screenshot(page, "directory-error-phone")


def test_the_map_shows_outlines_and_markers_without_tiles(new_site_page, directory):
    """This machine reaches no tile server: the départements' outlines and the markers must still be drawn."""
    page = new_site_page("/orientation/carte/?q=33000&radius=100")
    page.wait_for_selector("#directory-map[data-ready='1'][data-outlines-drawn]", timeout=60_000)
    assert int(page.locator("#directory-map").get_attribute("data-outlines-drawn")) >= 5
    assert (
        int(page.locator("#directory-map").get_attribute("data-marker-count")) == 5
    )  # 4 near Bordeaux + the upcoming unit in Lyon
    assert page.locator(".leaflet-outlines-pane path").count() >= 5
    assert page.locator(".leaflet-overlay-pane path.leaflet-interactive").count() >= 5
    page.locator("#directory-map").scroll_into_view_if_needed()
    screenshot(page, "directory-map-phone")
    page.locator(".leaflet-overlay-pane path.leaflet-interactive").first.click(force=True)
    page.wait_for_selector(".leaflet-popup-content a")
    screenshot(page, "directory-map-popup-phone")


def test_the_map_of_units_without_a_search(new_site_page, directory):
    page = new_site_page("/orientation/carte/")
    page.wait_for_selector("#directory-map[data-ready='1'][data-outlines-drawn]", timeout=60_000)
    assert (
        int(page.locator("#directory-map").get_attribute("data-marker-count")) == 3
    )  # the units and the day hospital
    page.locator("#directory-map").scroll_into_view_if_needed()
    screenshot(page, "directory-map-units-phone")
