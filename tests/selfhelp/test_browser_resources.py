"""The resources on a phone, in Debian's Chromium: a sheet read to its end, the search, accessibility."""

import pytest

from ecoute.selfhelp.demo import seed
from tests.support.accessibility import serious_violations
from tests.support.live import screenshot

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
