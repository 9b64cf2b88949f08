"""The staff's pages of self-help and studies have no French left in English (beyond what people typed)."""

import pytest

from ecoute.accounts.models import Role
from ecoute.selfhelp import testimonies
from ecoute.studies.demo import seed as seed_studies
from ecoute.studies.models import Study
from tests.support.cast import _user
from tests.support.twofactor import log_in
from tests.test_english_pages import french_in

from .conftest import ensure_phrases, make_sheet

pytestmark = pytest.mark.django_db

TYPED = [
    "Repérer la fatigue",
    "fatigue",
    "Aline",
    "Mes nuits",
    "Idées suicidaires chez les soignants : en parler",
    "La santé des soignants (2025)",
    "sante-des-soignants-2025",
    "suicide-et-soignants",
]


def _english(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def test_editor_pages(client, settings):
    sheet = make_sheet()
    log_in(_english(client, settings), _user("redac", Role.EDITOR))
    for path in (
        "/redaction/",
        f"/redaction/fiche/{sheet.pk}/",
        f"/redaction/fiche/{sheet.pk}/versions/",
        "/redaction/images/",
        "/etudes/gestion/",
    ):
        html = client.get(path).content.decode()
        typed_lines = ("fatigué dès le réveil", "Les signes", "erreurs inhabituelles", "Français")
        lines = [
            line for line in french_in(html, allowed=TYPED) if not any(typed in line for typed in typed_lines)
        ]
        assert lines == [], path


def test_moderation_pages(client, settings):
    ensure_phrases()
    testimony, _, _ = testimonies.submit(
        "Aline", "suffering", "Mes nuits", "Les nuits s’enchaînent et je ne dors plus du tout, vraiment plus."
    )
    log_in(_english(client, settings), _user("mod", Role.MODERATOR))
    phrases = [p for p, _, _ in __import__("ecoute.selfhelp.lexicon", fromlist=["x"]).DEFAULT_PHRASES] + [
        "avec",
        "ça cela",
    ]
    for path in ("/moderation/", f"/moderation/{testimony.pk}/", "/moderation/mots-surveilles/"):
        html = client.get(path).content.decode()
        lines = [line for line in french_in(html, allowed=TYPED + phrases) if "Les nuits" not in line]
        assert lines == [], path


def test_study_staff_pages(client, settings):
    seed_studies()
    study = Study.objects.get(slug="sante-des-soignants-2025")
    log_in(_english(client, settings), _user("redac", Role.EDITOR))
    html = client.get(f"/etudes/gestion/{study.pk}/").content.decode()
    assert "Open the study" not in html and "Results" in html
