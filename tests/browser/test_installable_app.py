"""The caller's app installs on a phone and opens offline with the phone number."""

import pytest

from tests.browser.helpers import wait_until

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_service_worker_keeps_the_shell_and_offline_the_phone_number_shows(new_site_page):
    page = new_site_page("/")
    # No wait for "no controller yet": the worker claims the page as soon as it is active, sometimes first.
    page.evaluate("navigator.serviceWorker.ready")
    page.reload()  # the worker now controls the page
    wait_until(page, "navigator.serviceWorker.controller !== null")
    cached = page.evaluate(
        "caches.open('ecoute-shell-v3').then((c) => c.keys()).then((keys) => keys.map((r) => new URL(r.url).pathname))"
    )
    shell = {
        "/",
        "/hors-ligne/",
        "/static/ecoute/ecoute.css",
        "/static/calls/line.js",
        "/static/ecoute/call_ui.js",
    }
    assert shell <= set(cached)

    page.context.set_offline(True)
    page.goto("/tableau-inexistant/")
    assert "0 805 23 23 36" in page.locator("main").inner_text()
    page.context.set_offline(False)
