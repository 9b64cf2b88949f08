"""The network of trained people grows from the trainings' sign-in sheets; the public count hides small numbers."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from ecoute.accounts.models import Role
from ecoute.programme import actions, sentinels
from ecoute.programme.models import Event, Kind, Registration, State
from tests.programme.support import make_event
from tests.support.contacts import make_staff
from tests.support.twofactor import log_in

pytestmark = pytest.mark.django_db


def training(days_ago: int, **fields) -> tuple[Event, int]:
    """A training that took place DAYS_AGO: created to come (registration is open), moved back by attended()."""
    return make_event(**fields), days_ago


def attended(held: tuple[Event, int], email: str, name: str = "") -> None:
    """Registered while the training was to come, signed in on its sheet; the training is then past."""
    event, days_ago = held
    _move(event, timezone.now() + timedelta(days=30))
    registration = actions.register(event.pk, email=email, name=name)
    Registration.objects.filter(pk=registration.pk).update(state=State.ATTENDED)
    _move(event, timezone.now() - timedelta(days=days_ago))


def _move(event: Event, start) -> None:
    Event.objects.filter(pk=event.pk).update(starts_at=start, ends_at=start + timedelta(hours=8))


def test_the_network_is_who_attended_a_training_once_each_with_the_refresher_due(settings):
    settings.ECOUTE_SENTINEL_REFRESHER_DAYS = 365
    lille = training(400)
    rouen = training(30, city="Rouen", title="Intervenir en crise suicidaire")
    jades = training(10, kind=Kind.JADES, dpc_reference="")
    attended(lille, "anne@example.org", "Anne")
    attended(rouen, "Anne@Example.org", "Anne")  # the same person, trained again
    attended(lille, "bruno@example.org", "Bruno")
    attended(jades, "chloe@example.org", "Chloé")  # a workshop is not a training
    actions.register(make_event().pk, email="david@example.org")  # registered, not yet trained
    people = {person.email: person for person in sentinels.network()}
    assert set(people) == {"anne@example.org", "bruno@example.org"}
    assert len(people["anne@example.org"].trainings) == 2
    assert people["bruno@example.org"].refresher_due < date.today() < people["anne@example.org"].refresher_due
    assert [person.email for person in sentinels.network()][0] == "bruno@example.org"  # overdue first


def test_the_public_count_is_hidden_below_the_statistics_threshold(client, settings):
    settings.ECOUTE_STATS_MIN_CELL = 3
    held = training(5)
    make_event()  # something on the agenda
    attended(held, "a@example.org")
    attended(held, "b@example.org")
    assert sentinels.trained_count() is None
    assert "personnes formées" not in client.get("/programme/").content.decode()
    attended(held, "c@example.org")
    assert sentinels.trained_count() == 3
    assert "3 personnes formées par l’association" in client.get("/programme/").content.decode()


def test_the_programme_staff_sees_the_network_and_others_do_not(client):
    attended(training(900), "anne@example.org", "Anne")
    log_in(client, make_staff(Role.PROGRAMME))
    page = client.get(reverse("programme:staff_sentinels")).content.decode()
    assert "Anne" in page and "dû depuis le" in page and "1 recyclage dû" in page
    log_in(client, make_staff(Role.PSYCHOLOGIST))
    assert client.get(reverse("programme:staff_sentinels")).status_code == 403
