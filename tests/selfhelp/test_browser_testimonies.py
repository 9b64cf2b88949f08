"""Writing a testimony on a phone, in Debian's Chromium: help shows while the words are typed, before
anything is sent; after sending, the author keeps their follow link; accessibility checked."""

import pytest

from ecoute.calls.models import Alert, AlertKind
from ecoute.selfhelp.models import Testimony
from tests.browser.helpers import wait_until
from tests.support.accessibility import serious_violations
from tests.support.live import screenshot

from .conftest import ensure_phrases

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
