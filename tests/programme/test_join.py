"""The join link of an online session goes through Écoute: it notes who came, then opens the room."""

import csv
import io
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.urls import reverse
from django.utils import timezone

from ecoute.accounts.models import Role
from ecoute.programme import actions, links
from ecoute.programme.models import Event, Kind, Registration, State
from ecoute.security.models import SecurityEvent, SecurityEventKind
from tests.programme.support import make_event
from tests.support.contacts import make_staff
from tests.support.twofactor import log_in

pytestmark = pytest.mark.django_db
ROOM = "https://visio.example.org/ejades-7"


def ejades(minutes_to_start=10, **fields):
    start = timezone.now() + timedelta(minutes=minutes_to_start)
    values = {
        "kind": Kind.EJADES,
        "online": True,
        "city": "",
        "venue": "",
        "dpc_reference": "",
        "starts_at": start,
        "ends_at": start + timedelta(hours=1),
        "join_url": ROOM,
        "capacity": 2,
    }
    return make_event(**{**values, **fields})


def path_of(registration) -> str:
    return urlsplit(links.join_url(registration)).path


def follow(client, registration):
    return client.get(path_of(registration))


def test_following_the_link_notes_the_attendance_then_opens_the_room(client):
    registration = actions.register(ejades().pk, email="lune@example.org", name="Lune")
    response = follow(client, registration)
    assert response.status_code == 302 and response["Location"] == ROOM
    assert response["Cache-Control"] == "no-store"
    registration.refresh_from_db()
    first = registration.joined_at
    assert registration.state == State.ATTENDED and first is not None and registration.joins == 1

    again = follow(client, registration)  # the connection dropped: back in, noted once more
    assert again["Location"] == ROOM
    registration.refresh_from_db()
    assert registration.joins == 2 and registration.joined_at == first


def test_too_early_or_without_a_room_a_page_says_so_and_nothing_is_noted(client):
    early = actions.register(ejades(minutes_to_start=60).pk, email="tot@example.org")
    response = follow(client, early)
    assert response.status_code == 409 and 'data-reason="early"' in response.content.decode()
    no_room = actions.register(ejades(join_url="").pk, email="lune@example.org")
    response = follow(client, no_room)
    assert response.status_code == 409 and 'data-reason="no-room"' in response.content.decode()
    assert not Registration.objects.filter(joins__gt=0).exists()
    assert set(Registration.objects.values_list("state", flat=True)) == {State.REGISTERED}


def test_a_forged_cancelled_waiting_or_past_link_opens_nothing(client):
    event = ejades(capacity=1)
    holder = actions.register(event.pk, email="a@example.org")
    waiting = actions.register(event.pk, email="b@example.org")
    assert waiting.state == State.WAITING
    assert follow(client, waiting).status_code == 404
    token = path_of(holder).rstrip("/").rsplit("/", 1)[-1]
    assert client.get(reverse("programme:join", args=[token[:-2] + "xy"])).status_code == 404
    on_site = actions.register(make_event().pk, email="c@example.org")
    assert follow(client, on_site).status_code == 404
    Event.objects.filter(pk=event.pk).update(
        starts_at=timezone.now() - timedelta(hours=2), ends_at=timezone.now() - timedelta(hours=1)
    )
    assert follow(client, holder).status_code == 404
    actions.cancel(waiting.pk)
    assert not Registration.objects.filter(joins__gt=0).exists()


def test_a_cancelled_registration_cannot_join():
    registration = actions.register(ejades().pk, email="a@example.org")
    actions.cancel(registration.pk)
    with pytest.raises(links.BadLink):
        links.registration_joining(path_of(registration).rstrip("/").rsplit("/", 1)[-1])


def test_staff_see_who_joined_and_export_it(client):
    event = ejades()
    came = actions.register(event.pk, email="came@example.org", name="=HYPERLINK(1)")
    actions.register(event.pk, email="away@example.org", name="Absent")
    follow(client, came)
    log_in(client, make_staff(Role.PROGRAMME))
    page = client.get(reverse("programme:staff_attendance_report", args=[event.pk]))
    assert page.status_code == 200
    assert 'data-held="2" data-joined="1"' in page.content.decode()
    export = client.get(reverse("programme:staff_attendance_export", args=[event.pk]))
    rows = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["nom", "e-mail", "état", "première connexion", "connexions"]
    assert rows[1][0] == "'=HYPERLINK(1)" and rows[1][4] == "1" and rows[1][3]
    assert rows[2][1] == "away@example.org" and rows[2][3:] == ["", "0"]
    assert SecurityEvent.objects.filter(kind=SecurityEventKind.EXPORT).exists()


@pytest.mark.parametrize("role", [Role.PSYCHOLOGIST, Role.STATISTICIAN])
def test_other_roles_cannot_see_the_attendance(client, role):
    event = ejades()
    log_in(client, make_staff(role))
    for name in ("programme:staff_attendance_report", "programme:staff_attendance_export"):
        assert client.get(reverse(name, args=[event.pk])).status_code == 403
