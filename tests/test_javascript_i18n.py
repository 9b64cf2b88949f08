"""The apps' scripts speak the visitor's language: French by default, English available, through
Django's JavaScript catalog (/jsi18n/) and the committed catalog locale/en/LC_MESSAGES/djangojs.mo."""

import ast
import gettext
import re
from pathlib import Path

import pytest
from django.conf import settings as django_settings

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[1]
SCRIPTS = sorted([*ROOT.glob("ecoute/*/static/**/*.js"), *ROOT.glob("static/ecoute/**/*.js")])
ENGLISH = gettext.GNUTranslations((ROOT / "locale/en/LC_MESSAGES/djangojs.mo").open("rb"))

# A comment or a string literal, whichever comes first: quotes inside comments are not strings.
QUOTED = r'"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\''
TOKEN = re.compile(rf"(?P<comment>//[^\n]*|/\*.*?\*/)|(?P<string>{QUOTED}|`(?:[^`\\]|\\.)*`)", re.S)
# gettext("…") and ngettext("…", "…", n): the only places a text may be written in French.
TRANSLATED = re.compile(rf"\b(n?gettext)\(\s*({QUOTED})(?:\s*,\s*({QUOTED}))?")
# What gives French away: accents and typography (’ … « » and the space before a colon), or a frequent
# word. A heuristic, not a parser: a lone word such as "Disponible" is only caught by the list.
FRENCH = re.compile(
    r"[àâçéèêëîïôûùœÀÂÇÉÈÊÎÔ’…«»]|\w :|\b(?:le|la|les|un|une|des|du|de|ce|en|vous|votre|nous|est|pas|et|ou|"
    r"pour|hors|ligne|disponible|appel|appeler|personne)\b",
    re.I,
)


def texts(source):
    """The texts given to gettext and ngettext: (singular, plural or None)."""
    for call in TRANSLATED.finditer(source):
        yield ast.literal_eval(call[2]), ast.literal_eval(call[3]) if call[3] else None


def french_outside_gettext(source):
    """String literals that look French and are not an argument of gettext or ngettext (console
    messages are for developers, not users)."""
    inside = {call.span(group) for call in TRANSLATED.finditer(source) for group in (2, 3) if call[group]}
    found = []
    for token in TOKEN.finditer(source):
        text = re.sub(r"\$\{[^}]*\}", "", token["string"] or "")  # a template's ${…} is code, not text
        if not text or token.span() in inside or not FRENCH.search(text):
            continue
        line = source[source.rfind("\n", 0, token.start()) + 1 : source.find("\n", token.end())]
        if "console." not in line:
            found.append(token["string"])
    return found


def test_the_check_sees_french_outside_gettext_and_nothing_else():
    assert french_outside_gettext('title.textContent = "Pas de réponse"; // a comment, l’appel') == [
        '"Pas de réponse"'
    ]
    assert french_outside_gettext("note.textContent = `Attente : ${minutes} min.`;") == [
        "`Attente : ${minutes} min.`"
    ]
    assert french_outside_gettext('const LABELS = { offline: "Hors ligne", available: "Disponible" };') == [
        '"Hors ligne"',
        '"Disponible"',
    ]
    assert french_outside_gettext('title.textContent = gettext("Pas de réponse");') == []
    assert french_outside_gettext('x = ngettext("%(count)s personne", "%(count)s personnes", n);') == []
    assert (
        french_outside_gettext('socket.send({ type: "call.hangup" }); console.warn("Écoute:", code);') == []
    )


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda path: str(path.relative_to(ROOT)))
def test_no_script_shows_french_outside_gettext(script):
    assert french_outside_gettext(script.read_text()) == []


def test_every_text_of_the_scripts_has_its_english_in_the_committed_catalog():
    found = [text for script in SCRIPTS for text in texts(script.read_text())]
    assert len(found) > 50  # the caller's app, the workspace, the supervision board, the directory
    untranslated = [
        singular
        for singular, plural in found
        if (
            ENGLISH.ngettext(singular, plural, 2) == plural
            if plural
            else ENGLISH.gettext(singular) == singular
        )
    ]
    assert untranslated == [], "run makemessages -d djangojs -l en, translate, then compilemessages"


def test_the_catalog_is_french_by_default(client):
    response = client.get("/jsi18n/")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/javascript")
    assert response["Content-Language"] == "fr"
    catalog = response.content.decode()
    assert "function gettext" in catalog or "django.gettext" in catalog
    for english in (
        "We are looking for an available psychologist",
        "people ahead of you",
        "Mute the microphone",
    ):
        assert english not in catalog


def test_english_is_on_now_that_the_pages_are_translated_too():
    """Scripts in English on pages in French would be worse than French throughout: English is on because
    locale/en/LC_MESSAGES/django.po is complete too (tests/test_english_pages.py)."""
    assert django_settings.LANGUAGES == django_settings.LANGUAGES_WHEN_TRANSLATED
    assert ("en", "English") in django_settings.LANGUAGES and django_settings.LANGUAGE_CODE == "fr"


def test_the_catalog_is_in_english_for_an_english_browser_or_cookie(client):
    response = client.get("/jsi18n/", HTTP_ACCEPT_LANGUAGE="en")
    assert response["Content-Language"] == "en"
    catalog = response.content.decode()
    assert "We are looking for an available psychologist" in catalog
    assert "%(count)s person ahead of you." in catalog and "%(count)s people ahead of you." in catalog
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    assert "Keep waiting for %(name)s" in client.get("/jsi18n/").content.decode()


def test_the_caller_page_loads_the_catalog_before_its_script_and_the_offline_app_keeps_it(client):
    page = client.get("/").content.decode()
    assert '<script src="/jsi18n/">' in page
    assert page.index('<script src="/jsi18n/">') < page.index("calls/line.js")
    assert '"/jsi18n/"' in client.get("/sw.js").content.decode()
