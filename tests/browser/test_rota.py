"""The rota's pages in a browser: a psychologist's availability on a phone, the supervisors' week on a
laptop, both checked by axe and screenshotted."""

from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone

from ecoute.accounts.models import Role
from ecoute.rota.models import Shift, WeeklyAvailability
from tests.browser.helpers import assert_accessible, log_in
from tests.support.cast import make_psychologist
from tests.support.live import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
DESKTOP = {"width": 1366, "height": 900}


def test_a_psychologist_adds_their_week_on_a_phone_and_reads_a_clear_error(new_site_page):
    claire = make_psychologist("Claire")
    page = new_site_page("/espace/")
    log_in(page, claire)
    page.click("text=Mes disponibilités")
    page.wait_for_url("**/espace/disponibilites/")
    page.select_option("#weekly-weekday", "2")
    page.fill("#weekly-start", "18:00")
    page.fill("#weekly-end", "22:00")
    page.click("#weekly-end >> xpath=ancestor::form//button[@type='submit']")
    page.wait_for_selector("text=Mercredi 18:00 – 22:00")
    page.select_option("#weekly-weekday", "2")
    page.fill("#weekly-start", "21:00")
    page.fill("#weekly-end", "23:00")
    page.click("#weekly-end >> xpath=ancestor::form//button[@type='submit']")
    page.wait_for_selector("[role=alert]:has-text('chevauche celui de 18:00 à 22:00')")
    assert list(WeeklyAvailability.objects.filter(user=claire).values_list("start", "end")) == [
        (time(18), time(22))
    ]
    assert_accessible(page)
    screenshot(page, "rota-availability-phone")


def test_a_supervisor_plans_the_week_and_reads_its_gaps(new_site_page, settings):
    helene = make_psychologist("Hélène")
    helene.role = Role.SUPERVISOR
    helene.save()
    for number in range(3):
        psychologist = make_psychologist(f"Psy{number}", languages=("fr", "en"))
        for weekday in range(7):
            WeeklyAvailability.objects.create(user=psychologist, weekday=weekday, start=time(8), end=time(20))
    page = new_site_page("/supervision/", viewport=DESKTOP)
    log_in(page, helene, lands_on="**/supervision/")
    page.click("header >> text=Planning")
    page.wait_for_url("**/espace/planning/")
    next_week = timezone.localdate() + timedelta(days=7 - timezone.localdate().weekday())
    page.goto(f"/espace/planning/?semaine={next_week.isoformat()}")
    assert "superviseur manquant" in page.inner_text("#main")
    # The search is bounded by ECOUTE_ROTA_SOLVER_SECONDS on the server: wait for its answer, however
    # long a busy machine makes it, rather than for a guessed deadline.
    with page.expect_navigation(timeout=0):
        page.click("button:has-text('Planifier cette semaine')")
    page.wait_for_selector("#result-title")
    assert Shift.objects.filter(supervising=False).exists()
    assert "gardes enregistrées" in page.inner_text("[role=status]")
    assert_accessible(page)
    screenshot(page, "rota-week")
    page.locator(".rota-week").scroll_into_view_if_needed()
    screenshot(page, "rota-week-grid")


def test_a_psychologist_offers_a_shift_and_a_colleague_takes_it_on_a_phone(new_site_page):
    day = timezone.localdate() + timedelta(days=3)
    claire, marc = make_psychologist("Claire"), make_psychologist("Marc")
    for user in (claire, marc):
        WeeklyAvailability.objects.create(user=user, weekday=day.weekday(), start=time(8), end=time(20))
    start = timezone.make_aware(datetime.combine(day, time(9)))
    given = Shift.objects.create(user=claire, start=start, end=start + timedelta(hours=4))

    giver = new_site_page("/espace/")
    log_in(giver, claire)
    giver.click("text=Mes disponibilités")
    giver.wait_for_url("**/espace/disponibilites/")
    giver.click("#shifts-title >> xpath=.. >> button:has-text('Proposer à un collègue')")
    giver.wait_for_selector("[role=status]:has-text('les collègues disponibles sont prévenus')")
    assert giver.locator("#shifts-title >> xpath=..").inner_text().count("Proposée") >= 1
    assert_accessible(giver)
    screenshot(giver, "rota-shift-offered-phone")

    taker = new_site_page("/espace/")
    log_in(taker, marc)
    taker.wait_for_selector("text=1 garde proposée par un·e collègue que vous pouvez prendre")
    taker.click("text=1 garde proposée par un·e collègue que vous pouvez prendre")
    taker.wait_for_url("**/espace/disponibilites/**")
    assert_accessible(taker)
    screenshot(taker, "rota-shift-to-take-phone")
    taker.click("#offers-title >> xpath=.. >> button:has-text('Prendre cette garde')")
    taker.wait_for_selector("[role=status]:has-text('La garde est à vous')")
    assert Shift.objects.get(pk=given.pk).status == "cancelled"
    assert Shift.objects.get(user=marc).start == given.start
    assert "Aucune garde proposée que vous puissiez prendre." in taker.inner_text("#main")
    assert_accessible(taker)
    screenshot(taker, "rota-shift-taken-phone")


def test_a_supervisor_approves_a_handover_that_would_leave_no_supervisor_on_duty(new_site_page):
    from ecoute.rota import swaps

    day = timezone.localdate() + timedelta(days=3)
    helene, paul = make_psychologist("Hélène"), make_psychologist("Paul")
    for supervisor in (helene, paul):
        supervisor.role = Role.SUPERVISOR
        supervisor.save()
    marc = make_psychologist("Marc")
    WeeklyAvailability.objects.create(user=marc, weekday=day.weekday(), start=time(8), end=time(20))
    start = timezone.make_aware(datetime.combine(day, time(9)))
    supervision = Shift.objects.create(
        user=helene, start=start, end=start + timedelta(hours=4), supervising=True
    )
    offer = swaps.take(swaps.offer(supervision.pk, helene).pk, marc)
    assert offer.status == "pending"
    page = new_site_page("/supervision/", viewport=DESKTOP)
    log_in(page, paul, lands_on="**/supervision/")
    page.goto(f"/espace/planning/?semaine={day.isoformat()}")
    handovers = page.locator("#handovers-title >> xpath=..")
    assert "de Hélène à Marc" in handovers.inner_text()
    assert "8 demi-heures en dessous du minimum, dès 09:00" in handovers.inner_text()
    assert_accessible(page)
    screenshot(page, "rota-handover-to-approve")
    handovers.locator("button:has-text('Valider')").click()
    page.wait_for_selector("[role=status]:has-text('Échange validé.')")
    assert Shift.objects.get(user=marc).start == start
    assert page.locator("#handovers-title").count() == 0
