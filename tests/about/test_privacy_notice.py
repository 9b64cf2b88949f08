"""The privacy notice callers read says what docs/retention.md says: every row of the retention table is
summed up on it or is known not to concern callers, and the durations are the ones the purge applies."""

import re
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from ecoute.about import privacy
from tests.test_english_pages import english, french_in

pytestmark = pytest.mark.django_db

RETENTION = Path(__file__).resolve().parents[2] / "docs" / "retention.md"


def retention_rows() -> list[list[str]]:
    """The rows of every table of docs/retention.md, as lists of cells (headers left out)."""
    rows = []
    for line in RETENTION.read_text().splitlines():
        if not line.startswith("| ") or line.startswith("| ---"):
            continue
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if cells[0].split(" (")[0] not in ("setting", "table", "store"):
            rows.append(cells)
    return rows


def stores() -> list[str]:
    """The first cell of each row naming a table or a store (the settings table apart)."""
    return [cells[0] for cells in retention_rows() if not cells[0].startswith(("`ECOUTE_", "(fixed)"))]


def covering(store: str) -> list[str]:
    pieces = [source for item in privacy.caller_data() for source in item.sources]
    return [piece for piece in (*pieces, *privacy.NOT_ABOUT_CALLERS) if piece in store]


def test_every_row_of_the_retention_table_is_told_to_callers_or_known_not_to_concern_them():
    untold = [store for store in stores() if not covering(store)]
    assert untold == [], "add these rows of docs/retention.md to ecoute/about/privacy.py"


def test_every_piece_the_notice_names_is_a_row_of_the_retention_table():
    pieces = {source for item in privacy.caller_data() for source in item.sources}
    stale = [
        piece for piece in (*pieces, *privacy.NOT_ABOUT_CALLERS) if not any(piece in s for s in stores())
    ]
    assert stale == []


def test_a_row_is_not_both_told_and_said_not_to_concern_callers():
    told = {source for item in privacy.caller_data() for source in item.sources}
    for store in stores():
        in_notice = [piece for piece in told if piece in store]
        apart = [piece for piece in privacy.NOT_ABOUT_CALLERS if piece in store]
        assert not (in_notice and apart), store


def test_the_retention_settings_have_the_defaults_the_table_says_and_the_notice_shows_them(client):
    html = client.get("/confidentialite/").content.decode()
    settings_rows = [cells for cells in retention_rows() if cells[0].startswith("`ECOUTE_")]
    assert len(settings_rows) == 3
    for name, default, *_ in settings_rows:
        days = getattr(django_settings, name.strip("`"))
        assert days == int(default), name
        assert privacy.duration(days) in html, name


def test_the_fixed_durations_are_those_of_the_table(client):
    text = RETENTION.read_text()
    assert "| (fixed) | 1 day |" in text and privacy.days_of(privacy.UNANSWERED_LINK_KEPT) == 1
    referral = next(cells for cells in retention_rows() if "directory_referral" in cells[0])
    assert f"at most {privacy.days_of(privacy.REFERRALS_KEPT)} days" in referral[4]
    for store in ("server logs", "database backups"):
        row = next(cells for cells in retention_rows() if cells[0].startswith(store))
        assert f"{privacy.OPERATOR_DAYS} days at most" in row[4], store
    html = client.get("/confidentialite/").content.decode()
    for days in (1, 30):
        assert privacy.duration(days) in html


def test_the_notice_follows_the_settings(client, settings):
    settings.ECOUTE_CONTACT_RETENTION_DAYS = 365 * 3
    assert "3 ans" in client.get("/confidentialite/").content.decode()


@pytest.mark.parametrize(
    "days, said", [(730, "2 ans"), (365, "1 an"), (90, "3 mois"), (30, "30 jours"), (1, "1 jour")]
)
def test_durations_are_said_as_a_person_says_them(days, said):
    assert privacy.duration(days) == said


@pytest.mark.parametrize("path", ["/a-propos/", "/mentions-legales/", "/confidentialite/"])
def test_the_pages_about_the_line_are_in_french_and_wholly_in_english(client, path):
    french = client.get(path).content.decode()
    assert '<html lang="fr">' in french and "tel:0805232336" in french
    html = english(client).get(path).content.decode()
    assert '<html lang="en">' in html
    publisher = django_settings.ECOUTE_LEGAL["publisher"]  # a name, French whatever the page's language
    assert french_in(html, allowed=[publisher]) == []


def test_the_legal_notice_names_publisher_and_host_as_the_deployment_sets_them(client, settings):
    settings.ECOUTE_LEGAL = {
        **settings.ECOUTE_LEGAL,
        "host": "Hébergeur HDS Exemple",
        "director": "Marie Durand",
        "privacy_contact": "dpo@example.org",
    }
    html = client.get("/mentions-legales/").content.decode()
    assert "Hébergeur HDS Exemple" in html and "Marie Durand" in html and "mailto:dpo@example.org" in html
    assert "dpo@example.org" in client.get("/confidentialite/").content.decode()


@pytest.mark.parametrize(
    "path", ["/", "/orientation/", "/orientation/carte/", "/chiffres/", "/a-propos/", "/confidentialite/"]
)
def test_every_public_page_links_to_the_others_at_its_foot(client, path):
    html = client.get(path).content.decode()
    footer = re.search(r'<footer class="public-footer">(.*?)</footer>', html, re.S)
    assert footer, path
    for target in ("/orientation/", "/chiffres/", "/a-propos/", "/mentions-legales/", "/confidentialite/"):
        assert f'href="{target}"' in footer.group(1), (path, target)
    assert 'href="tel:0805232336"' in footer.group(1)
