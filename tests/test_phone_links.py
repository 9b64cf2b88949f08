"""The free number is a link that dials it, wherever a public page shows it (a caller on a phone taps it)."""

import re

import pytest
from django.conf import settings

from tests.support.cast import make_psychologist
from tests.support.contacts import ensure_taxonomies

pytestmark = pytest.mark.django_db

PUBLIC_PAGES = [
    "/",
    "/hors-ligne/",
    "/orientation/",
    "/orientation/carte/",
    "/chiffres/",
    "/a-propos/",
    "/mentions-legales/",
    "/confidentialite/",
]


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_the_free_number_is_always_a_tel_link(client, path):
    ensure_taxonomies()
    make_psychologist("Claire")
    html = client.get(path).content.decode()
    number = settings.ECOUTE_PHONE_NUMBER
    dialled = number.replace(" ", "")
    shown = html.count(number)
    linked = len(re.findall(rf'<a [^>]*href="tel:{dialled}"[^>]*>{re.escape(number)}</a>', html))
    assert shown >= 1 and linked == shown, (path, shown, linked)
