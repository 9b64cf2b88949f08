"""Answering a study and reading its results on a phone, in Debian's Chromium, with axe-core."""

import pytest

from ecoute.accounts.models import Role
from ecoute.studies import answering
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


def test_inviting_by_e_mail_and_opening_a_spent_link(new_site_page):
    from tests.browser.helpers import log_in
    from tests.support.contacts import make_staff

    from .test_studies import make_study

    study = make_study(by_invitation=True)
    page = new_site_page("/etudes/gestion/", viewport={"width": 1024, "height": 768})
    log_in(page, make_staff(Role.EDITOR), lands_on="**/etudes/gestion/")
    page.goto(f"/etudes/gestion/{study.pk}/invitations/courriel/")
    assert serious_violations(page) == []
    page.get_by_label("Adresses e-mail").fill("alice@example.org\nbruno-at-example.org")
    page.get_by_role("button", name="Envoyer les invitations").click()
    page.wait_for_selector("[role=alert]")
    assert "« bruno-at-example.org » n’est pas une adresse e-mail" in page.inner_text("[role=alert]")
    assert serious_violations(page) == []
    screenshot(page, "study-invitation-mails-errors-tablet")
    page.get_by_label("Adresses e-mail").fill("alice@example.org\nbruno@example.org")
    page.get_by_role("button", name="Envoyer les invitations").click()
    page.locator(".messages").wait_for()
    assert "2 e-mails d’invitation en attente" in page.inner_text("main")
    screenshot(page, "study-invitation-mails-queued-tablet")

    key = answering.invite(study, 1)[0]
    answering.answer(study, {}, key)
    spent = new_site_page(f"/etudes/etude/?invitation={key}")
    spent.wait_for_selector("h1:has-text('déjà servi')")
    assert serious_violations(spent) == []
    screenshot(spent, "study-invitation-spent-phone")
