"""Resource sheets: what staff write is sanitised, only published sheets are read, every sheet ends with help."""

import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import timezone
from PIL import Image

from ecoute.accounts.models import Role
from ecoute.presence.models import Status
from ecoute.selfhelp import markup
from ecoute.selfhelp.models import Sheet, SheetImage, SheetRevision
from ecoute.selfhelp.search import search_sheets
from tests.support.backends import need_postgres
from tests.support.cast import _user, make_psychologist
from tests.support.twofactor import log_in
from tests.test_english_pages import french_in

from .conftest import forget_cached_pages, make_sheet

pytestmark = pytest.mark.django_db


# --- What staff write ---------------------------------------------------------------------------


def test_markdown_keeps_what_a_sheet_needs():
    html = markup.render(
        "# Titre\n\n## Partie\n\n- un\n- deux\n\nTexte.\n\n1. a\n\n[lien](https://sps.fr) **gras**"
    )
    assert "<h2>Titre</h2>" in html and "<h2>Partie</h2>" in html  # the page has the one h1
    assert "<ul>" in html and "<ol>" in html and "<strong>gras</strong>" in html
    assert '<a href="https://sps.fr" rel="noopener noreferrer">lien</a>' in html


@pytest.mark.parametrize(
    "source, forbidden",
    [
        ("<script>alert(1)</script>texte", "<script"),
        ('<p onclick="alert(1)">x</p>', "onclick"),
        ("[x](javascript:alert(1))", "javascript:"),
        ('<iframe src="https://evil.example"></iframe>', "<iframe"),
        ('<a href="https://x.fr" style="color:red">x</a>', "style="),
        ("<img src=x onerror=alert(1)>", "onerror"),
    ],
)
def test_markdown_drops_everything_else(source, forbidden):
    assert forbidden not in markup.render(source)


def test_an_image_needs_its_text_alternative_and_must_be_our_own():
    assert markup.problems("![Une infirmière](/media/selfhelp/a.jpg)") == []
    assert "texte de remplacement" in markup.problems("![](/media/selfhelp/a.jpg)")[0]
    assert "texte de remplacement" in markup.problems('<img src="/media/selfhelp/a.jpg">')[0]
    assert "autre site" in markup.problems("![Logo](https://tracker.example/pixel.gif)")[0]


def test_a_sheet_without_alt_text_is_refused_with_a_clear_message_and_nothing_saved(editor_client):
    sheet = make_sheet()
    response = editor_client.post(
        f"/redaction/fiche/{sheet.pk}/", {**_form(sheet), "body": "![](/media/selfhelp/a.jpg)", "save": "1"}
    )
    assert response.status_code == 200
    assert "n’a pas de texte de remplacement" in response.content.decode()
    sheet.refresh_from_db()
    assert "fatigué dès le réveil" in sheet.body and not SheetRevision.objects.exists()


def _form(sheet: Sheet, **changes) -> dict:
    data = {
        "title": sheet.title,
        "slug": sheet.slug,
        "language": sheet.language,
        "theme": sheet.theme,
        "summary": sheet.summary,
        "body": sheet.body,
        "publish_at": sheet.publish_at.strftime("%Y-%m-%dT%H:%M") if sheet.publish_at else "",
        "last_reviewed": sheet.last_reviewed.isoformat(),
    }
    return {**data, **changes}


def test_saving_keeps_a_revision_and_an_earlier_one_can_come_back(editor_client):
    sheet = make_sheet()
    editor_client.post(f"/redaction/fiche/{sheet.pk}/", {**_form(sheet), "save": "1"})
    editor_client.post(f"/redaction/fiche/{sheet.pk}/", {**_form(sheet, body="Nouveau texte."), "save": "1"})
    sheet.refresh_from_db()
    assert sheet.body == "Nouveau texte." and sheet.revisions.count() == 2
    first = sheet.revisions.order_by("saved_at", "pk").first()
    assert "Versions de" in editor_client.get(f"/redaction/fiche/{sheet.pk}/versions/").content.decode()
    editor_client.post(f"/redaction/fiche/{sheet.pk}/versions/{first.pk}/")
    sheet.refresh_from_db()
    assert "fatigué dès le réveil" in sheet.body and sheet.revisions.count() == 3


def test_the_preview_shows_the_page_and_saves_nothing(editor_client):
    sheet = make_sheet()
    response = editor_client.post(
        f"/redaction/fiche/{sheet.pk}/", {**_form(sheet, body="## Aperçu seulement"), "preview": "1"}
    )
    html = response.content.decode()
    assert "<h2>Aperçu seulement</h2>" in html and "Parler à quelqu’un maintenant" in html
    sheet.refresh_from_db()
    assert "Aperçu" not in sheet.body and not SheetRevision.objects.exists()


def test_a_new_sheet_with_a_wrong_date_gets_a_message(editor_client):
    response = editor_client.post(
        "/redaction/fiche/nouvelle/",
        {
            "title": "T",
            "slug": "t",
            "language": "fr",
            "theme": "stress",
            "body": "x",
            "publish_at": "demain",
            "last_reviewed": "2026-11-01",
            "save": "1",
        },
    )
    assert response.status_code == 200 and "Saisissez une date" in response.content.decode()
    assert not Sheet.objects.exists()


def test_only_editors_and_administrators_open_the_editor(client):
    psychologist = make_psychologist("Claire")
    assert log_in(client, psychologist).get("/redaction/").status_code == 403
    assert log_in(client, _user("admin-x", Role.ADMINISTRATOR)).get("/redaction/").status_code == 200
    client.logout()
    assert client.get("/redaction/").status_code == 302  # to the login


def _jpeg_with_place() -> bytes:
    image = Image.new("RGB", (40, 30), "teal")
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x8825] = {2: (48.0, 51.0, 24.0)}  # GPS latitude
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif.tobytes())
    return out.getvalue()


def test_an_uploaded_image_loses_its_metadata_and_needs_alt_text(editor_client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    raw = _jpeg_with_place()
    assert Image.open(io.BytesIO(raw)).getexif()  # the upload really carries a place
    refused = editor_client.post(
        "/redaction/images/", {"image": SimpleUploadedFile("p.jpg", raw, "image/jpeg"), "alt_text": "  "}
    )
    assert "Ce champ est obligatoire" in refused.content.decode() and not SheetImage.objects.exists()
    editor_client.post(
        "/redaction/images/",
        {"image": SimpleUploadedFile("p.jpg", raw, "image/jpeg"), "alt_text": "Une salle de repos"},
    )
    stored = SheetImage.objects.get()
    with Image.open(stored.image.path) as kept:
        assert not kept.getexif() and kept.size == (40, 30)
    assert stored.markdown.startswith("![Une salle de repos](/media/selfhelp/")
    assert markup.problems(stored.markdown) == []


def test_a_file_that_is_not_an_image_is_refused(editor_client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    response = editor_client.post(
        "/redaction/images/",
        {"image": SimpleUploadedFile("x.jpg", b"not an image", "image/jpeg"), "alt_text": "x"},
    )
    assert response.status_code == 200 and not SheetImage.objects.exists()
    assert "image" in response.content.decode().lower()


# --- What readers see -----------------------------------------------------------------------------


def test_only_published_sheets_are_read(client):
    make_sheet("publiee", title="Fiche publiée")
    make_sheet("programmee", state="scheduled", title="Fiche programmée")
    make_sheet("brouillon", state="draft", title="Fiche brouillon")
    html = client.get("/ressources/").content.decode()
    assert "Fiche publiée" in html and "programmée" not in html and "brouillon" not in html
    assert client.get("/ressources/publiee/").status_code == 200
    assert client.get("/ressources/programmee/").status_code == 404
    assert client.get("/ressources/brouillon/").status_code == 404
    assert "programmée" not in client.get("/ressources/?q=Fiche").content.decode()


def test_a_scheduled_sheet_appears_when_its_time_comes(client):
    sheet = make_sheet("bientot", state="scheduled")
    assert client.get("/ressources/bientot/").status_code == 404
    Sheet.objects.filter(pk=sheet.pk).update(publish_at=timezone.now() - datetime.timedelta(seconds=1))
    assert client.get("/ressources/bientot/").status_code == 200


def test_every_sheet_ends_with_someone_to_talk_to_and_the_emergency_numbers(client):
    make_psychologist("Claire", status=Status.AVAILABLE)
    make_sheet(last_reviewed=datetime.date(2026, 10, 12))
    html = client.get("/ressources/fatigue/").content.decode()
    help_block = html[html.index('id="help-now"') :]
    assert "Parler à quelqu’un maintenant" in help_block and 'href="/"' in help_block
    assert "Claire est disponible en ce moment" in help_block
    for number in ("15", "112", "3114"):
        assert f'href="tel:{number}"' in help_block
    assert "Fiche relue le 12 octobre 2026" in html


@pytest.mark.sqlite
def test_search_on_sqlite_finds_words_anywhere(client):
    assert connection.vendor == "sqlite"
    make_sheet()
    make_sheet("stress", title="Le stress au travail", body="Respirer.", theme="stress")
    assert [s.slug for s in search_sheets("réveil", "fr")] == ["fatigue"]
    assert [s.slug for s in search_sheets("stress", "fr")] == ["stress"]
    assert list(search_sheets("", "fr")) == []


@pytest.mark.postgres
def test_search_on_postgresql_is_french_full_text():
    need_postgres()
    make_sheet(body="Vous êtes fatiguée au réveil et les gardes s’enchaînent.")
    make_sheet("stress", title="Le stress au travail", body="Respirer profondément.", theme="stress")
    # French stemming: « gardes » finds « garde », « respiration » finds « respirer » is not promised.
    assert [s.slug for s in search_sheets("garde", "fr")] == ["fatigue"]
    assert [s.slug for s in search_sheets("fatigues", "fr")] == ["fatigue"]
    assert [s.slug for s in search_sheets("travail stress", "fr")] == ["stress"]
    assert list(search_sheets('"gardes" -fatiguée', "fr")) == []  # websearch syntax does not break it


def test_a_search_too_long_is_explained(client):
    html = client.get("/ressources/?q=" + "a" * 300).content.decode()
    assert "Recherche trop longue" in html and 'aria-invalid="true"' in html


def test_the_english_pages_show_english_sheets_and_no_french(client, settings):
    make_sheet(
        "noticing-fatigue",
        language="en",
        title="Noticing fatigue",
        summary="When rest no longer helps.",
        body="## Signs\n\n- tired on waking",
    )
    make_sheet()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    listing = client.get("/ressources/").content.decode()
    assert "Noticing fatigue" in listing and "Repérer la fatigue" not in listing
    assert french_in(listing) == []
    page = client.get("/ressources/noticing-fatigue/").content.decode()
    assert french_in(page) == []


def test_the_help_blocks_sentence_is_asked_again_and_says_who_is_free_now(client):
    make_sheet()
    page = client.get("/ressources/fatigue/").content.decode()
    assert 'data-refresh-url="/ressources/disponibles-maintenant/"' in page
    nobody = client.get("/ressources/disponibles-maintenant/")
    assert nobody.status_code == 200 and nobody["Content-Type"].startswith("text/plain")
    assert "Un psychologue vous répond" in nobody.content.decode()
    make_psychologist("Claire", status=Status.AVAILABLE)
    # Cached a few seconds for every reader: the same answer, without asking the database again.
    assert client.get("/ressources/disponibles-maintenant/").content == nobody.content
    forget_cached_pages()
    assert (
        "Claire est disponible en ce moment"
        in client.get("/ressources/disponibles-maintenant/").content.decode()
    )
    assert client.post("/ressources/disponibles-maintenant/").status_code == 405


def test_a_sheet_cannot_take_the_address_of_a_page(editor_client):
    sheet = make_sheet()
    response = editor_client.post(
        f"/redaction/fiche/{sheet.pk}/", {**_form(sheet, slug="disponibles-maintenant"), "save": "1"}
    )
    assert "Cette adresse est réservée" in response.content.decode()
    sheet.refresh_from_db()
    assert sheet.slug == "fatigue"
