"""The programme's public pages and e-mails in English: no French left outside the events' own data."""

import pytest
from django.urls import reverse

from ecoute.programme import actions, links
from ecoute.programme.models import Kind
from tests.programme.support import make_event, make_jades_day
from tests.support.contacts import ensure_taxonomies
from tests.test_english_pages import english, french_in

pytestmark = pytest.mark.django_db

# What staff typed about an event is data, shown as typed (here, in the test's fixtures).
EVENT_DATA = [
    "Repérage et prise en charge des soignants rendus vulnérables par leur travail",
    "Journée JADES au CH de Rouen",
    "CHU de Lille",
    "Lille",
    "Rouen",
    "Hauts-de-France",
    "Repérage",
    "Sommeil (Matin)",
    "Relaxation (Matin)",
    "Sommeil (Après-midi)",
    "Relaxation (Après-midi)",
    "Après-midi",
    "Matin",
]


def test_the_agenda_event_manage_and_verify_pages_are_english(client):
    ensure_taxonomies()
    event = make_event(price=180)
    jades, _slots = make_jades_day()
    ejades = make_event(kind=Kind.EJADES, online=True, title="eJADES", dpc_reference="", city="", region="")
    registration = actions.register(event.pk, email="a@example.org")
    client = english(client)
    pages = [
        reverse("programme:agenda"),
        reverse("programme:agenda") + "?kind=formation&mode=onsite",
        reverse("programme:event", args=[event.pk]),
        reverse("programme:event", args=[jades.pk]),
        reverse("programme:event", args=[ejades.pk]),
        reverse("programme:manage", args=[links.manage_token(registration)]),
        reverse("programme:manage", args=["forged"]),
        reverse("programme:verify") + "?code=NOPE",
    ]
    for path in pages:
        html = client.get(path).content.decode()
        assert '<html lang="en">' in html, path
        # Dates are shown in the page's language by Django; the professions' labels come from the catalog.
        assert french_in(html, allowed=EVENT_DATA) == [], path
