"""Writing a testimony on a phone, in Debian's Chromium: help shows while the words are typed, before
anything is sent; after sending, the author keeps their follow link; accessibility checked."""

import pytest

from ecoute.calls.models import Alert, AlertKind
from ecoute.selfhelp.models import Testimony
from tests.browser.helpers import wait_until
from tests.support.accessibility import serious_violations
from tests.support.live import screenshot

from .conftest import ensure_phrases, moderator  # noqa: F401 (fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_help_shows_while_writing_and_after_sending(new_site_page):
    ensure_phrases()
    page = new_site_page("/temoignages/ecrire/")
    assert serious_violations(page) == []
    sent = []
    page.on("request", lambda request: sent.append(request.url))
    page.get_by_label("Pseudonyme", exact=True).fill("Aline")
    page.get_by_label("Thème", exact=True).select_option("suffering")
    page.get_by_label("Titre", exact=True).fill("Mes nuits")
    text = page.get_by_label("Votre témoignage", exact=True)
    text.fill("Après des mois de nuits, je suis épuisée. Je ne dors plus, je pleure en rentrant.")
    page.wait_for_timeout(400)  # the check runs 300 ms after the last key
    assert page.locator("#danger-help").is_hidden()
    # A conjugated form of a watched phrase, typed as a person types.
    text.press_sequentially(" Parfois je me dis que je vais me foutre en l’air.", delay=5)
    wait_until(page, "!document.getElementById('danger-help').hidden")
    assert sent == []  # the check ran on the phone: nothing was sent
    page.locator("#danger-help").scroll_into_view_if_needed()
    screenshot(page, "testimony-writing-help-phone")
    page.get_by_label("J’accepte que ce texte soit publié").check()
    page.get_by_role("button", name="Envoyer pour relecture").click()
    page.wait_for_selector("h1:has-text('Merci, votre témoignage est envoyé')")
    assert page.locator("#danger-help").is_visible()
    assert page.locator(".follow-link a").inner_text().startswith("http")
    assert serious_violations(page) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "testimony-sent-phone")
    assert Testimony.objects.get().danger and Alert.objects.filter(kind=AlertKind.TESTIMONY).exists()


def test_the_blog_on_a_phone(new_site_page):
    page = new_site_page("/temoignages/")
    assert serious_violations(page) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "testimonies-phone")


def test_a_moderator_reads_the_danger_first_and_publishes_with_edits(new_site_page, moderator):
    from ecoute.selfhelp import testimonies
    from tests.browser.helpers import log_in

    ensure_phrases()
    story = "Après des mois de nuits au CHU de Bordeaux, le Dr Martin m’a conseillé de parler. Ce qui m’a aidée : le groupe de parole."
    testimonies.submit("Aline", "initiative", "Le groupe de parole", story)
    # Stored as submit() stores a danger (its alert's event cannot be sent from Playwright's thread).
    Testimony.objects.create(
        pseudonym="Paul",
        theme="suffering",
        title="Plus la force",
        text="Je n’ai plus envie de vivre.",
        follow_key_hash="0" * 64,
        danger=True,
    )
    page = new_site_page("/connexion/", viewport={"width": 1280, "height": 900})
    log_in(page, moderator, lands_on="**/moderation/")
    assert "Plus la force" in page.locator("tbody tr").first.inner_text()  # danger first, though sent second
    assert serious_violations(page) == []
    screenshot(page, "moderation-queue")
    page.get_by_role("link", name="Le groupe de parole").click()
    page.wait_for_selector(".moderation-text mark")
    assert page.locator(".moderation-text mark").all_inner_texts()[:2] == ["CHU de Bordeaux", "Dr Martin"]
    assert serious_violations(page) == []
    screenshot(page, "moderation-testimony")
    page.get_by_label("Publier avec modifications").check()
    for label in (
        "Aucun détail de moyen",
        "Rien qui présente",
        "Aucun nom de personne",
        "Une fin qui protège",
    ):
        page.get_by_label(label).check()
    page.get_by_label("Texte à publier (si modifié)").fill(
        story.replace("au CHU de Bordeaux, le Dr Martin", ", mon médecin")
    )
    page.get_by_role("button", name="Enregistrer la décision").click()
    page.wait_for_selector(".messages")
    assert page.url.endswith("/moderation/"), page.locator(".error").all_inner_texts()
    published = testimonies.published().get()
    assert "Martin" not in published.published_text and "mon médecin" in published.published_text


def test_the_browser_and_the_server_find_the_same_phrases(new_site_page):
    """testimony.js repeats lexicon.py's rules: on the labelled set, both must say the same."""
    from ecoute.selfhelp.lexicon import DEFAULT_PHRASES, compile_phrases, danger_in

    from .test_lexicon import CRISIS, ORDINARY

    ensure_phrases()
    page = new_site_page("/temoignages/ecrire/")
    phrases = compile_phrases(DEFAULT_PHRASES)
    texts = CRISIS + ORDINARY
    in_browser = page.evaluate(
        "async (texts) => { const m = await import('/static/selfhelp/testimony.js'); return texts.map((t) => m.dangerIn(t)); }",
        texts,
    )
    assert in_browser == [bool(danger_in(text, phrases)) for text in texts]
