"""The programme's public pages and e-mails in English: no French left outside the events' own data."""

import pytest
from django.urls import reverse

from ecoute.programme import actions, links
from ecoute.programme.models import Kind
from tests.programme.support import make_event, make_jades_day
from tests.support.contacts import ensure_taxonomies
from tests.test_english_pages import english, french_in

pytestmark = pytest.mark.django_db(transaction=True)  # the event page reads on its own threads

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
    problem = client.post(reverse("programme:event", args=[event.pk]), {"email": "a@example.org"})
    assert problem.status_code == 400
    pages_with_problems = [problem.content.decode()]
    pages = [
        (reverse("programme:agenda"), 200),
        (reverse("programme:agenda") + "?kind=formation&mode=onsite", 200),
        (reverse("programme:event", args=[event.pk]), 200),
        (reverse("programme:event", args=[jades.pk]), 200),
        (reverse("programme:event", args=[ejades.pk]), 200),
        (reverse("programme:manage", args=[links.manage_token(registration)]), 200),
        (reverse("programme:manage", args=["forged"]), 404),
        (reverse("programme:verify") + "?code=NOPE", 404),
    ]
    for path, status in pages:
        response = client.get(path)
        assert response.status_code == status, path
        assert "Écoute" in response.content.decode(), path  # the project's page, not a bare error
        html = response.content.decode()
        assert '<html lang="en">' in html, path
        # Dates are shown in the page's language by Django; the professions' labels come from the catalog.
        assert french_in(html, allowed=EVENT_DATA) == [], path
    for html in pages_with_problems:
        assert french_in(html, allowed=EVENT_DATA) == []
