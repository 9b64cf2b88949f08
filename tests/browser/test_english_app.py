"""A caller switches the app to English on their phone: pages, scripts and the kept offline page follow,
the choice stays on the device, and the English layout holds on a phone's width."""

import pytest

from ecoute.presence.models import Status
from tests.browser.helpers import wait_until
from tests.support.cast import make_psychologist
from tests.support.live import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def fits_the_width(page) -> bool:
    """Nothing pushes the page sideways (a longer English label would)."""
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def switch_to_english(page) -> None:
    """The FR/EN switch posts, the server answers with the page again: wait until its scripts have run."""
    with page.expect_navigation(wait_until="load"):
        page.click(".language-switch button[value=en]")
    wait_until(page, "document.documentElement.lang === 'en' && typeof gettext === 'function'")


def test_a_caller_switches_to_english_and_the_app_stays_in_english(new_site_page):
    make_psychologist(
        "Claire",
        status=Status.AVAILABLE,
        languages=("fr", "en"),
        presentation="Réanimation et soins palliatifs.",
    )
    make_psychologist(
        "Karim", status=Status.BREAK, languages=("fr", "ar"), presentation="Épuisement, conflits d’équipe."
    )
    page = new_site_page("/")
    page.locator(".card[data-status=available]").first.wait_for()
    assert page.locator("html").get_attribute("lang") == "fr"
    screenshot(page, "caller-board-fr")
    assert fits_the_width(page)

    switch_to_english(page)
    wait_until(page, "document.documentElement.lang === 'en'")
    page.locator(".card[data-status=available]").first.wait_for()
    assert "Talk to a psychologist, now" in page.locator("h1").inner_text()
    assert page.evaluate("gettext('Hors ligne')") == "Offline"  # the scripts' catalog followed
    screenshot(page, "caller-board-en")
    assert fits_the_width(page)
    # The choice is the one cookie on the caller's phone, and it holds the language code only.
    assert [(cookie["name"], cookie["value"]) for cookie in page.context.cookies()] == [
        ("django_language", "en")
    ]

    page.reload()
    assert page.locator("html").get_attribute("lang") == "en"


def test_the_waiting_screen_in_english_keeps_the_numbers_and_the_buttons_in_view(new_site_page):
    make_psychologist("Claire", status=Status.IN_CALL, languages=("fr", "en"))
    page = new_site_page("/")
    switch_to_english(page)
    wait_until(page, "document.documentElement.lang === 'en'")
    page.locator(".card").first.wait_for()  # the app's script runs: the button now joins the queue
    page.click("#talk-now button[type=submit]")
    page.locator("#call-panel[data-state=waiting]").wait_for()
    wait_until(page, "document.getElementById('queue-estimate').textContent.length > 0")
    screenshot(page, "caller-waiting-en")
    assert fits_the_width(page)
    danger = page.locator("[data-action=queue-urgent]")
    assert danger.is_visible() and "I am in danger" in danger.inner_text()
    for number in ("15", "112", "3114"):
        assert page.locator(f".safety-bar a[href='tel:{number}']").is_visible()
    page.click("[data-show=waiting] [data-action=hangup]")


@pytest.mark.parametrize("path", ["/orientation/", "/orientation/carte/", "/chiffres/", "/connexion/"])
def test_the_public_pages_in_english_fit_a_phone(new_site_page, path):
    page = new_site_page(path)
    switch_to_english(page)
    wait_until(page, "document.documentElement.lang === 'en'")
    assert page.url.endswith(path)  # the switch brings the caller back where they were
    screenshot(page, "english" + path.rstrip("/").replace("/", "-"))
    assert fits_the_width(page)


def test_the_installed_app_keeps_its_offline_page_in_the_chosen_language(new_site_page):
    page = new_site_page("/")
    # No wait for "no controller yet": the worker claims the page as soon as it is active, sometimes first.
    page.evaluate("navigator.serviceWorker.ready")
    page.reload()  # the worker now controls the page, and kept the French pages
    wait_until(page, "navigator.serviceWorker.controller !== null")

    switch_to_english(page)
    wait_until(page, "document.documentElement.lang === 'en'")
    # The English page told the worker the language changed: it keeps the pages again, in English.
    wait_until(
        page,
        """caches.open('ecoute-shell-v3').then((cache) => cache.match('/hors-ligne/'))
        .then((kept) => kept && kept.headers.get('Content-Language') === 'en')""",
    )

    page.context.set_offline(True)
    page.goto("/tableau-inexistant/")
    assert "No internet connection" in page.locator("main").inner_text()
    screenshot(page, "caller-offline-en")
    page.context.set_offline(False)
