"""The contact form in the workspace and the statistics, in a real Chromium: filled by keyboard, looked at."""

import pytest

from ecoute.accounts.models import Role
from ecoute.contacts.generate import generate
from ecoute.contacts.models import ContactRecord
from tests.browser.helpers import log_in
from tests.support.cast import make_psychologist
from tests.support.contacts import make_call, make_staff, wrapping_up
from tests.support.live import ARTIFACTS, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
LAPTOP = {"width": 1366, "height": 900}


def test_the_psychologist_fills_the_record_of_the_call_just_ended_by_keyboard(new_site_page):
    claire = make_psychologist("Claire")
    call = make_call(claire, minutes=23)
    wrapping_up(claire, call)
    workspace = new_site_page("/espace/", viewport=LAPTOP)
    log_in(workspace, claire)
    form = workspace.locator("#contact-slot [data-contact-form]")
    form.wait_for()
    assert workspace.evaluate("document.activeElement.id") == "id_profession"  # the first field has the focus
    workspace.keyboard.type("Infirmier")  # a native select jumps to what is typed
    workspace.locator("#id_employment_0").check()
    workspace.locator("label:has-text('Épuisement professionnel')").click()
    workspace.locator("label:has-text('Troubles du sommeil')").click()
    workspace.locator("#id_note").fill("Trois nuits d'affilée, s'endort en voiture ; rappellera jeudi.")
    form.scroll_into_view_if_needed()
    workspace.locator("#contact-slot").screenshot(path=str(ARTIFACTS / "screenshots" / "contact-form.png"))
    workspace.locator("#id_note").press("Control+Enter")
    workspace.locator("#contact-slot .contact-saved").wait_for()
    screenshot(workspace, "contact-form-saved")
    record = ContactRecord.objects.get()
    assert (
        record.call_id == call.pk
        and record.profession.code == "infirmier"
        and record.duration_seconds == 23 * 60
    )
    assert sorted(record.reasons.values_list("code", flat=True)) == ["epuisement", "sommeil"]


def test_a_form_with_errors_is_kept_and_says_what_to_fix(new_site_page):
    claire = make_psychologist("Claire")
    wrapping_up(claire, make_call(claire))
    workspace = new_site_page("/espace/", viewport=LAPTOP)
    log_in(workspace, claire)
    workspace.locator("#contact-slot [data-contact-form]").wait_for()
    workspace.locator("#id_note").fill("Texte à ne pas perdre")
    workspace.locator("#contact-slot button[type=submit]").click()
    summary = workspace.locator("#contact-form-errors")
    summary.wait_for()
    assert "Cochez au moins un motif" in summary.inner_text()
    assert workspace.locator("#id_note").input_value() == "Texte à ne pas perdre"
    assert not ContactRecord.objects.exists()
    screenshot(workspace, "contact-form-errors")


def test_the_dashboard_and_the_public_figures(new_site_page):
    generate(1500, days=365)
    statistician = make_staff(Role.STATISTICIAN, "Camille")
    dashboard = new_site_page("/statistiques/", viewport=LAPTOP)
    log_in(dashboard, statistician, lands_on="**/statistiques/")
    dashboard.locator(".heatmap").wait_for()
    screenshot(dashboard, "stats-dashboard")
    dashboard.screenshot(path=str(ARTIFACTS / "screenshots" / "stats-dashboard-full.png"), full_page=True)
    dashboard.emulate_media(media="print")
    dashboard.screenshot(path=str(ARTIFACTS / "screenshots" / "stats-dashboard-print.png"), full_page=True)
    assert dashboard.locator(".staff-bar").is_hidden()

    public = new_site_page("/chiffres/")
    public.locator(".headline").wait_for()
    screenshot(public, "stats-public-phone")
    assert "1500" in public.locator(".headline").inner_text()
