"""The staff screens share one layout (templates/staff/base.html: the bar, its links, logging out) and
the login screens another (templates/accounts/base.html), at a laptop's size, each screenshotted."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from ecoute.accounts.models import Role
from ecoute.followup.models import FollowUpCount
from tests.browser.helpers import assert_accessible, log_in, wait_until
from tests.support.cast import PASSWORD, make_psychologist
from tests.support.contacts import ensure_taxonomies, make_call, make_record, make_staff
from tests.support.live import screenshot
from tests.support.twofactor import current_code, give_authenticator

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
DESKTOP = {"width": 1366, "height": 900}


def bar(page) -> dict:
    """What the staff bar shows: the area's name, its links, and whether one can log out from it."""
    return page.evaluate(
        """() => {
          const bars = document.querySelectorAll('header.staff-bar');
          const bar = bars[0];
          return {
            bars: bars.length,
            brand: bar && bar.querySelector('.brand').textContent.trim(),
            links: bar ? [...bar.querySelectorAll('a')].map((a) => a.textContent.trim()) : [],
            logout: !!(bar && bar.querySelector("form[action='/deconnexion/'] button")),
          };
        }"""
    )


def test_every_staff_screen_has_the_one_staff_bar(new_site_page):
    ensure_taxonomies()  # an earlier transactional test may have emptied them
    helene = make_psychologist("Hélène")
    helene.role = Role.SUPERVISOR
    helene.save()
    claire = make_psychologist("Claire")
    record = make_record(claire, make_call(claire), note="Épuisée après trois nuits de garde.")

    workspace = new_site_page("/espace/", viewport=DESKTOP)
    log_in(workspace, claire)
    wait_until(workspace, "document.querySelector('.panel.ringing').hidden")  # the page's script ran
    assert bar(workspace) == {
        "bars": 1,
        "brand": "Écoute · Espace écoutant",
        "links": ["Mes disponibilités"],
        "logout": True,
    }
    assert workspace.locator("header.staff-bar .who").inner_text() == "Claire"
    screenshot(workspace, "staff-workspace")
    expectations = {
        "/espace/fiches/": (
            "staff-records",
            "Écoute · Fiches d’appel",
            ["Mon espace", "Fiches", "Retours des appelants"],
        ),
        f"/espace/fiches/{record.pk}/note/": (
            "staff-note",
            "Écoute · Fiches d’appel",
            ["Mon espace", "Fiches", "Retours des appelants"],
        ),
        f"/espace/fiches/appel/{record.call_id}/": (
            "staff-record-form",
            "Écoute · Fiches d’appel",
            ["Mon espace", "Fiches", "Retours des appelants"],
        ),
    }
    for path, (name, brand, links) in expectations.items():
        workspace.goto(path)
        assert bar(workspace) == {"bars": 1, "brand": brand, "links": links, "logout": True}, path
        screenshot(workspace, name)

    supervision = new_site_page("/supervision/", viewport=DESKTOP)
    log_in(supervision, helene, lands_on="**/supervision/")
    supervision.locator("#supervision").wait_for()
    assert bar(supervision) == {
        "bars": 1,
        "brand": "Écoute · Supervision",
        "links": ["Mon espace d’écoute", "Planning"],
        "logout": True,
    }
    screenshot(supervision, "staff-supervision")
    supervision.goto("/espace/")
    wait_until(supervision, "document.querySelector('.panel.ringing').hidden")
    assert bar(supervision)["links"] == ["Mes disponibilités", "Supervision"]
    supervision.goto("/espace/fiches/")
    assert bar(supervision)["links"] == ["Mon espace", "Fiches", "Retours des appelants", "Statistiques"]
    screenshot(supervision, "staff-records-supervisor")

    a_past_quarter = (timezone.localdate().replace(day=1) - timedelta(days=200)).replace(day=1)
    for channel, outcome, n in (("app", "planned", 14), ("app", "kept", 11), ("phone", "planned", 12)):
        FollowUpCount.objects.create(month=a_past_quarter, channel=channel, outcome=outcome, count=n)
    statistics = new_site_page("/statistiques/", viewport=DESKTOP)
    log_in(statistics, make_staff(Role.STATISTICIAN, "Camille"), lands_on="**/statistiques/")
    assert bar(statistics) == {
        "bars": 1,
        "brand": "Écoute · Statistiques",
        "links": ["Fiches", "Statistiques"],
        "logout": True,
    }
    screenshot(statistics, "staff-statistics")
    follow_ups = statistics.locator("[aria-labelledby=follow-ups-title]")
    follow_ups.scroll_into_view_if_needed()
    assert follow_ups.locator("tbody tr").count() == 2
    assert_accessible(statistics)
    screenshot(statistics, "staff-statistics-follow-ups")


def test_the_login_screens_share_the_login_layout(new_site_page):
    karim = make_staff(Role.PSYCHOLOGIST, "Karim")
    page = new_site_page("/connexion/", viewport=DESKTOP)
    screens = [("login", "Espace des équipes")]

    def looks_like_a_login_screen(name: str, title: str) -> None:
        assert page.locator("header.staff-bar").count() == 0, name
        assert page.locator("main .panel.narrow h1").inner_text() == title, name
        assert page.evaluate("document.body.className") == "staff", name
        screenshot(page, f"staff-{name}")

    looks_like_a_login_screen(*screens[0])
    page.fill("#id_username", karim.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/connexion/activation/**")
    looks_like_a_login_screen("enrol", "Activer votre application d’authentification")
    pending = TOTPDevice.objects.get(user=karim, confirmed=False)  # the one the page shows
    page.fill("#id_token", current_code(pending))
    page.click("button[type=submit]")
    page.locator(".recovery-codes").wait_for()
    looks_like_a_login_screen("recovery-codes", "Vos codes de secours")

    claire = make_psychologist("Claire")
    again = new_site_page("/connexion/", viewport=DESKTOP)
    give_authenticator(claire)
    again.fill("#id_username", claire.username)
    again.fill("#id_password", PASSWORD)
    again.click("button[type=submit]")
    again.wait_for_url("**/connexion/verification/")
    page = again
    looks_like_a_login_screen("verify", "Code de vérification")
