"""Answering a study and reading its results on a phone, in Debian's Chromium, with axe-core."""

import pytest

from ecoute.studies.demo import seed
from ecoute.studies.models import Response
from tests.support.accessibility import serious_violations
from tests.support.live import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_answering_and_reading_results_on_a_phone(new_site_page):
    seed()
    page = new_site_page("/etudes/suicide-et-soignants/")
    assert serious_violations(page) == []
    page.get_by_role("button", name="Envoyer mes réponses").click()
    page.wait_for_selector("[role=alert]")
    assert page.locator("fieldset[aria-invalid]").count() == 2
    screenshot(page, "study-errors-phone")
    page.get_by_label("Médecin").check()
    page.get_by_label("Je ne sais pas").check()
    page.get_by_role("button", name="Envoyer mes réponses").click()
    page.wait_for_selector("h1:has-text('Merci pour vos réponses')")
    assert Response.objects.filter(study__slug="suicide-et-soignants").count() == 1
    page.goto("/etudes/sante-des-soignants-2025/resultats/")
    assert serious_violations(page) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "study-results-phone")
    page.get_by_role("button", name="Croiser").click()
    page.wait_for_selector("table.cross")
    assert serious_violations(page) == []
    page.locator("table.cross").scroll_into_view_if_needed()
    screenshot(page, "study-crosstab-phone")
