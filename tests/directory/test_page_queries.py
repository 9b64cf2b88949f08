"""The orientation page reads a few queries whatever it shows: none per result card, none per list.

Each round trip to the database waits its turn on a busy machine (docs/performance.md): a query per
card (its profession, commune, languages) would make the page as slow as it has results.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ecoute.directory.forms import SearchForm
from ecoute.directory.models import Network, Theme
from ecoute.directory.search import locate

from .conftest import ARCACHON, BORDEAUX, LIBOURNE, MERIGNAC, make_entry

pytestmark = pytest.mark.usefixtures("geography")

TOWNS = (BORDEAUX, MERIGNAC, LIBOURNE, ARCACHON)


def add_entries(count: int, start: int = 0) -> None:
    for number in range(start, start + count):
        make_entry(
            f"pro-{number}",
            TOWNS[number % len(TOWNS)],
            name=f"Cabinet {number:02}",
            themes=["burnout", "sommeil"],
            languages=["en"] if number % 2 else ["es", "en"],
            networks=["sps"],
            teleconsultation=bool(number % 3),
        )


def add_nationwide_lines() -> None:
    for number, kind in enumerate(("emergency", "emergency", "service")):
        make_entry(
            f"line-{number}",
            None,
            kind=kind,
            nationwide=True,
            name=f"Ligne {number}",
            languages=["en"],
            themes=["burnout", "sommeil"],
            networks=["sps"],
        )


def page_queries(client, params: dict) -> tuple[int, str]:
    """(queries, page) of a visitor's page once the place was found once (places are kept)."""
    client.get("/orientation/", params)
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/orientation/", params)
    assert response.status_code == 200, response.content.decode()[:500]
    return len(queries), response.content.decode()


@pytest.mark.parametrize(
    "params, cards",
    [
        ({"q": "33000"}, 30 + 3),
        ({"q": "Mérignac", "theme": "burnout", "language": "en", "network": "sps"}, 30 + 3),
        # Two entries in three offer teleconsultation (28 of 42); the nationwide lines are not professionals.
        (
            {
                "lat": "44.84",
                "lon": "-0.58",
                "radius": "100",
                "kind": "professional",
                "teleconsultation": "1",
            },
            28,
        ),
    ],
)
def test_a_point_search_takes_the_same_four_queries_for_two_results_or_thirty(client, params, cards):
    add_nationwide_lines()
    add_entries(2)
    few, page = page_queries(client, params)
    assert 'class="result"' in page
    add_entries(40, start=2)
    many, page = page_queries(client, params)
    # The four lists; the positions in the box; the cards (nearest and nationwide: one query on
    # PostgreSQL, two on SQLite, which has no round trip to save); their languages.
    assert few == many == (4 if connection.vendor == "postgresql" else 5)
    assert page.count('<li class="result"') == cards


@pytest.mark.parametrize("params", [{"q": "Gironde"}, {"q": "33", "theme": "sommeil"}])
def test_an_area_search_takes_a_few_queries_whatever_it_shows(client, params, django_assert_max_num_queries):
    add_nationwide_lines()
    add_entries(42)
    client.get("/orientation/", params)
    # The lists, the area's count, a ring or two around the seat, the cards and their languages.
    with django_assert_max_num_queries(7 if connection.vendor == "postgresql" else 8):
        response = client.get("/orientation/", params)
    assert response.content.decode().count('<li class="result"') == 30 + 3


def test_the_nationwide_lines_keep_their_order_and_the_nearest_theirs(client):
    add_nationwide_lines()
    add_entries(6)
    page = page_queries(client, {"q": "33000"})[1]
    lines = page[page.index("Joignables partout en France") :]
    assert lines.index("Ligne 0") < lines.index("Ligne 1") < lines.index("Ligne 2")  # by kind, then name
    nearest = page[: page.index("Joignables partout en France")]
    assert nearest.index("Cabinet 00") < nearest.index("Cabinet 04") < nearest.index("Cabinet 01")


def test_a_new_theme_or_network_shows_on_the_next_page_in_the_lists_order(client):
    Theme.objects.create(slug="aaa-premier", name="Aaa premier")
    Network.objects.create(slug="zz", name="Zz réseau")
    form = SearchForm()
    themes = [value for value, _label in form.fields["theme"].choices][1:]
    assert [str(value) for value in themes] == list(Theme.objects.values_list("slug", flat=True))
    assert str(themes[0]) == "aaa-premier"
    page = client.get("/orientation/").content.decode()
    assert '<option value="zz">Zz réseau</option>' in page


def test_a_filter_is_checked_against_the_lists_read_without_another_query():
    form = SearchForm({"q": "", "theme": "sommeil", "network": "sps"})
    with CaptureQueriesContext(connection) as queries:
        assert form.is_valid(), form.errors
    assert len(queries) == 0
    assert form.cleaned_data["theme"] == Theme.objects.get(slug="sommeil")
    assert form.cleaned_data["network"].website == Network.objects.get(slug="sps").website  # read when used
    wrong = SearchForm({"theme": "licornes"})
    assert not wrong.is_valid() and "choix valide" in wrong.errors["theme"][0]


def test_a_commune_search_offers_its_namesakes_but_never_itself():
    assert locate("Langon").label == "Langon (33)" and locate("Langon").namesakes == ("Langon (35)",)
    assert locate("Langon (35)").label == "Langon (35)" and locate("Langon (35)").namesakes == (
        "Langon (33)",
    )
    colombe = locate("Sainte-Colombe (33)")
    assert colombe.namesakes == ("Sainte-Colombe (69)", "Sainte-Colombe (35)")
    assert locate("Bordeaux").namesakes == ()


def test_the_page_offers_the_namesakes(client):
    page = client.get("/orientation/", {"q": "Langon"}).content.decode()
    assert "Une autre commune de ce nom ?" in page and "?q=Langon%20%2835%29" in page
