"""The public pages at phone size, in French and in English: the caller's home page leads to the others
from its foot, and every one of them passes axe-core's WCAG 2.1 AA checks."""

import pytest

from tests.browser.helpers import assert_accessible
from tests.support.cast import make_psychologist
from tests.support.live import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FOOTER_LINKS = {
    "Trouver de l’aide près de chez vous": "/orientation/",
    "La ligne en chiffres": "/chiffres/",
    "Comment ça marche, confidentialité": "/a-propos/",
    "Mentions légales": "/mentions-legales/",
    "Politique de confidentialité": "/confidentialite/",
}


def test_the_home_page_leads_to_every_other_public_page_from_its_foot(new_site_page):
    make_psychologist("Claire")
    home = new_site_page("/")
    footer = home.locator("footer.public-footer")
    footer.scroll_into_view_if_needed()
    screenshot(home, "caller-home-footer")
    assert_accessible(home)
    for name, path in FOOTER_LINKS.items():
        footer.get_by_role("link", name=name, exact=True).click()
        home.wait_for_url(f"**{path}")
        assert home.locator("h1").is_visible()
        assert_accessible(home)
        home.go_back()
    assert footer.locator("a[href='tel:0805232336']").is_visible()


@pytest.mark.parametrize(
    "path, name",
    [
        ("/a-propos/", "about"),
        ("/mentions-legales/", "legal"),
        ("/confidentialite/", "privacy"),
    ],
)
def test_the_pages_about_the_line_read_well_on_a_phone_in_french_and_english(new_site_page, path, name):
    page = new_site_page(path)
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")  # no sideways scrolling
    assert_accessible(page)
    screenshot(page, f"public-{name}-fr")
    page.click(".language-switch button[value=en]")
    page.wait_for_url(f"**{path}")
    page.locator("html[lang=en]").wait_for(state="attached")
    assert_accessible(page)
    screenshot(page, f"public-{name}-en")


def test_the_accessibility_check_sees_a_violation(new_site_page):
    page = new_site_page("/a-propos/")
    page.evaluate(
        "document.querySelector('main').append(Object.assign(document.createElement('img'), {src: '/x.png'}))"
    )
    with pytest.raises(AssertionError, match="image-alt"):
        assert_accessible(page)
