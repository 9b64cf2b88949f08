"""The resources on a phone, in Debian's Chromium: a sheet read to its end, the search, accessibility."""

import pytest

from ecoute.presence.models import Status
from ecoute.selfhelp.demo import seed
from tests.support.accessibility import serious_violations
from tests.support.cast import make_psychologist
from tests.support.live import screenshot

from .conftest import forget_cached_pages

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_reading_a_sheet_on_a_phone_ends_with_help(new_site_page):
    seed()
    page = new_site_page("/ressources/")
    assert serious_violations(page) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "resources-phone")
    page.get_by_label("Chercher dans les fiches").fill("réveil")
    page.get_by_role("button", name="Chercher").click()
    page.wait_for_selector("#found-title")
    page.locator(".sheet-list").first.get_by_role("link").first.click()
    page.wait_for_selector("article.sheet h1")
    assert page.locator("article.sheet h1").inner_text() == "Repérer les signes de la fatigue"
    assert serious_violations(page) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "resources-sheet-phone")
    page.locator("#help-now").scroll_into_view_if_needed()
    assert page.locator("#help-now .help-numbers a").all_inner_texts() == ["15", "112", "3114"]
    screenshot(page, "resources-sheet-help-phone")
    page.get_by_role("link", name="Parler à un psychologue maintenant").click()
    page.wait_for_url("**/")


def test_the_help_block_tells_who_became_free_while_the_page_is_read(new_site_page):
    seed()
    page = new_site_page("/ressources/")
    sentence = page.locator("#help-now-available")
    assert "Un psychologue vous répond" in sentence.inner_text()
    make_psychologist("Claire", status=Status.AVAILABLE)
    forget_cached_pages()
    # The page comes back to the front (as after a phone's screen lock): it asks at once.
    page.evaluate("document.dispatchEvent(new Event('visibilitychange'))")
    page.locator("#help-now-available:has-text('Claire est disponible en ce moment')").wait_for()
    sentence.scroll_into_view_if_needed()
    screenshot(page, "resources-help-live-phone")
