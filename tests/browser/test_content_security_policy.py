"""In Chromium, no page of Écoute breaks its own Content-Security-Policy: no inline script or style,
no resource from elsewhere (the caller's app, the workspace, supervision, statistics, the map, the
admin and the API docs)."""

import pytest

from ecoute.accounts.models import Role
from ecoute.contacts.generate import generate
from tests.browser.helpers import log_in
from tests.support.cast import make_psychologist
from tests.support.contacts import ensure_taxonomies, make_staff

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
LAPTOP = {"width": 1366, "height": 900}


class Violations:
    """The CSP violations Chromium reports in a page's console ("Refused to …")."""

    def __init__(self, page):
        self.messages: list[str] = []
        page.on("console", self._console)

    def _console(self, message) -> None:
        text = message.text
        if "Content Security Policy" in text or text.startswith("Refused to"):
            self.messages.append(text)


def visit(page, path: str, ready: str) -> None:
    page.goto(path)
    page.wait_for_load_state("load")
    page.locator(ready).first.wait_for()


def test_no_page_breaks_the_content_security_policy(new_site_page):
    ensure_taxonomies()
    generate(400, days=200)  # the statistics draw their bars (breakdowns: over the last ended quarter)
    claire = make_psychologist("Claire")
    cadre = make_staff(Role.SUPERVISOR, "Hélène")
    stats = make_staff(Role.STATISTICIAN, "Camille")
    admin = make_staff(Role.ADMINISTRATOR, "Admin")
    admin.is_staff = admin.is_superuser = True
    admin.save()

    public = new_site_page("/")
    seen = Violations(public)
    visit(public, "/", "[data-call], .card, main")
    visit(public, "/orientation/", "main form")
    visit(public, "/orientation/carte/", ".leaflet-container")
    visit(public, "/chiffres/", ".headline")
    visit(public, "/api/docs", ".swagger-ui .info")
    assert not seen.messages, seen.messages

    for user, lands_on, pages in (
        (claire, "**/espace/", [("/espace/", "#status-label"), ("/espace/fiches/", "main")]),
        (cadre, "**/supervision/", [("/supervision/", "main")]),
        (stats, "**/statistiques/", [("/statistiques/", ".bar rect")]),
        (
            admin,
            "**/statistiques/",
            [
                ("/admin/", "#content"),
                ("/admin/accounts/user/", "#result_list"),
                (f"/admin/accounts/user/{claire.pk}/change/", "#user_form"),
                ("/admin/security/securityevent/", "#content"),
            ],
        ),
    ):
        page = new_site_page("/connexion/", viewport=LAPTOP)
        seen = Violations(page)
        log_in(page, user, lands_on=lands_on)
        for path, ready in pages:
            visit(page, path, ready)
        assert not seen.messages, (user.username, seen.messages)
