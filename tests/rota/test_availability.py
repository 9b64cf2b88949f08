"""A psychologist declares their week, their exceptions and their hours; a wrong entry is explained and
nothing of it is stored."""

from datetime import time, timedelta

import pytest
from django.utils import timezone

from ecoute.rota.models import AvailabilityException, Commitment, WeeklyAvailability
from tests.support.cast import make_psychologist
from tests.support.contacts import make_staff
from tests.support.twofactor import log_in

pytestmark = pytest.mark.django_db
PAGE = "/espace/disponibilites/"


@pytest.fixture
def claire(client):
    user = make_psychologist("Claire")
    log_in(client, user)
    return user


def stored(user) -> tuple:
    return (
        list(WeeklyAvailability.objects.filter(user=user).values_list("weekday", "start", "end")),
        list(
            AvailabilityException.objects.filter(user=user).values_list(
                "first_day", "last_day", "available", "start", "end"
            )
        ),
    )


def test_the_page_opens_from_the_workspace_and_shows_the_forms(client, claire):
    assert PAGE in client.get("/espace/").content.decode()
    html = client.get(PAGE).content.decode()
    assert "Ma semaine habituelle" in html and 'name="max_hours_per_week"' in html
    assert 'id="weekly-start"' in html and 'id="exception-start"' in html  # two forms, no id twice


def test_a_weekly_window_and_an_exception_are_saved(client, claire):
    response = client.post(PAGE, {"form": "weekly", "weekday": 2, "start": "18:00", "end": "00:00"})
    assert response.status_code == 302
    day = timezone.localdate() + timedelta(days=3)
    client.post(PAGE, {"form": "exception", "first_day": day, "last_day": day, "available": "0"})
    client.post(PAGE, {"form": "commitment", "max_hours_per_week": 16})
    assert stored(claire) == ([(2, time(18), time(0))], [(day, day, False, None, None)])
    assert Commitment.objects.get(user=claire).max_hours_per_week == 16
    html = client.get(PAGE).content.decode()
    assert "18:00 – 00:00" in html


@pytest.mark.parametrize(
    "data, error",
    [
        (
            {"form": "weekly", "weekday": 1, "start": "14:00", "end": "10:00"},
            "L&#x27;heure de fin doit venir après",
        ),
        (
            {"form": "weekly", "weekday": 1, "start": "09:00", "end": "13:00"},
            "chevauche celui de 08:00 à 12:00",
        ),
        ({"form": "weekly", "weekday": 1, "start": "09:15", "end": "13:00"}, "heure pile ou une demi-heure"),
        ({"form": "weekly", "weekday": 9, "start": "09:00", "end": "13:00"}, "Sélectionnez un choix valide"),
        ({"form": "weekly", "weekday": 1, "start": "9h", "end": "13:00"}, "Saisissez une heure valide"),
        ({"form": "exception", "first_day": 3, "last_day": 12, "available": "0"}, "7 jours au plus"),
        (
            {"form": "exception", "first_day": 5, "last_day": 4, "available": "0"},
            "Le dernier jour doit venir après",
        ),
        ({"form": "exception", "first_day": -2, "last_day": 1, "available": "0"}, "déjà passé"),
        (
            {"form": "exception", "first_day": 10, "last_day": 10, "available": "1", "start": "08:00"},
            "ou aucune des deux",
        ),
        (
            {"form": "exception", "first_day": 18, "last_day": 19, "available": "0"},
            "chevauchent une exception",
        ),
        (
            {"form": "exception", "first_day": 10, "last_day": 10, "available": "peut-être"},
            "Sélectionnez un choix valide",
        ),
        ({"form": "commitment", "max_hours_per_week": 90}, "inférieure ou égale à 60"),
        ({"form": "commitment", "max_hours_per_week": "beaucoup"}, "Saisissez un nombre entier"),
    ],
)
def test_a_wrong_entry_is_explained_and_nothing_is_stored(client, claire, data, error):
    WeeklyAvailability.objects.create(user=claire, weekday=1, start=time(8), end=time(12))
    today = timezone.localdate()
    AvailabilityException.objects.create(
        user=claire, first_day=today + timedelta(days=19), last_day=today + timedelta(days=19)
    )
    for name in ("first_day", "last_day"):
        if name in data:
            data[name] = today + timedelta(days=data[name])
    before = stored(claire)
    Commitment.objects.get_or_create(user=claire)
    response = client.post(PAGE, data)
    assert response.status_code == 400
    assert error in response.content.decode()
    assert stored(claire) == before
    assert Commitment.objects.get(user=claire).max_hours_per_week == 12


def test_an_unknown_form_is_refused(client, claire):
    assert client.post(PAGE, {"form": "shift", "weekday": 1}).status_code == 400


def test_one_removes_only_their_own_windows(client, claire):
    mine = WeeklyAvailability.objects.create(user=claire, weekday=0, start=time(8), end=time(12))
    theirs = WeeklyAvailability.objects.create(
        user=make_psychologist("Marc"), weekday=0, start=time(8), end=time(12)
    )
    assert client.post(f"{PAGE}habituelle/{theirs.pk}/supprimer/").status_code == 404
    assert client.post(f"{PAGE}habituelle/{mine.pk}/supprimer/").status_code == 302
    assert list(WeeklyAvailability.objects.values_list("pk", flat=True)) == [theirs.pk]


def test_staff_who_do_not_listen_cannot_open_it(client):
    log_in(client, make_staff("statistician", "Stat"))
    assert client.get(PAGE).status_code == 403
