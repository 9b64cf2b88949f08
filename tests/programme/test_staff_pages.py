"""The programme's staff side: who may open it, the list, the CSV export, the sign-in sheet, certificates."""

import csv
import io
from datetime import timedelta

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from ecoute.accounts.models import Role
from ecoute.programme import actions
from ecoute.programme.models import MailKind, OutboxMessage, State
from ecoute.security.models import SecurityEvent, SecurityEventKind
from tests.programme.support import make_event
from tests.support.contacts import make_staff
from tests.support.twofactor import log_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client):
    return log_in(client, make_staff(Role.PROGRAMME))


@pytest.mark.parametrize("role", [Role.PSYCHOLOGIST, Role.SUPERVISOR, Role.STATISTICIAN])
def test_other_roles_cannot_open_the_programme(client, role):
    event = make_event()
    log_in(client, make_staff(role))
    for name in (
        "programme:staff_event",
        "programme:staff_export",
        "programme:staff_export_xlsx",
        "programme:staff_sign_in",
    ):
        assert client.get(reverse(name, args=[event.pk])).status_code == 403
    assert client.post(reverse("programme:staff_cancel", args=[event.pk])).status_code == 403
    event.refresh_from_db()
    assert not event.is_cancelled


def test_without_the_second_factor_the_staff_is_sent_to_log_in(client):
    client.force_login(make_staff(Role.PROGRAMME))
    response = client.get(reverse("programme:staff_events"))
    assert response.status_code == 302 and "connexion" in response["Location"]


def test_the_programme_role_lands_on_its_events_and_sees_registrations(staff):
    event = make_event(title="Formation Lille")
    actions.register(
        event.pk, email="camille@example.org", name="Camille Martin", accessibility="Fauteuil roulant"
    )
    assert "Formation Lille" in staff.get(reverse("programme:staff_events")).content.decode()
    page = staff.get(reverse("programme:staff_event", args=[event.pk])).content.decode()
    assert "Camille Martin" in page and "camille@example.org" in page
    assert "Fauteuil roulant" in page  # opened where it is needed, stored encrypted


def test_the_csv_export_is_safe_and_journalled(staff):
    event = make_event()
    actions.register(event.pk, email="evil@example.org", name='=HYPERLINK("http://x")')
    response = staff.get(reverse("programme:staff_export", args=[event.pk]))
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][1] == "nom" and rows[1][2] == "evil@example.org"
    assert not rows[1][1].startswith("=")
    assert SecurityEvent.objects.filter(kind=SecurityEventKind.EXPORT).count() == 1
    workbook = load_workbook(
        io.BytesIO(staff.get(reverse("programme:staff_export_xlsx", args=[event.pk])).content)
    )
    sheet_rows = list(workbook.active.iter_rows(values_only=True))
    assert sheet_rows[0][:3] == ("état", "nom", "e-mail") and sheet_rows[1][2] == "evil@example.org"
    assert not str(sheet_rows[1][1]).startswith("=")
    assert SecurityEvent.objects.filter(kind=SecurityEventKind.EXPORT).count() == 2


def test_the_sign_in_sheet_records_who_came_and_certificates_follow(staff):
    event = make_event()
    came = actions.register(event.pk, email="a@example.org", name="Anne")
    absent = actions.register(event.pk, email="b@example.org", name="Bruno")
    sheet = staff.get(reverse("programme:staff_sign_in", args=[event.pk])).content.decode()
    assert "Anne" in sheet and "Bruno" in sheet
    staff.post(
        reverse("programme:staff_attendance", args=[event.pk]),
        {"listed": [came.pk, absent.pk], "present": [came.pk]},
    )
    came.refresh_from_db()
    absent.refresh_from_db()
    assert (came.state, absent.state) == (State.ATTENDED, State.NO_SHOW)
    staff.post(reverse("programme:staff_certificates", args=[event.pk]))
    came.refresh_from_db()
    assert (
        came.certificate_code
        and OutboxMessage.objects.filter(registration=came, kind=MailKind.CERTIFICATE).exists()
    )
    absent.refresh_from_db()
    assert absent.certificate_code is None
    pdf = staff.get(reverse("programme:staff_certificate", args=[event.pk, came.pk]))
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")


def test_cancelling_an_event_from_its_page_tells_everyone(staff):
    event = make_event()
    actions.register(event.pk, email="a@example.org")
    staff.post(reverse("programme:staff_cancel", args=[event.pk]))
    event.refresh_from_db()
    assert event.is_cancelled
    assert OutboxMessage.objects.filter(kind=MailKind.EVENT_CANCELLED).count() == 1


def test_a_message_without_subject_sends_nothing(staff):
    event = make_event()
    actions.register(event.pk, email="a@example.org")
    staff.post(reverse("programme:staff_message", args=[event.pk]), {"subject": "", "body": "Salle changée"})
    assert not OutboxMessage.objects.filter(kind=MailKind.MESSAGE).exists()
    staff.post(reverse("programme:staff_message", args=[event.pk]), {"subject": "Salle", "body": "Salle B12"})
    assert OutboxMessage.objects.filter(kind=MailKind.MESSAGE).count() == 1


def test_the_admin_opens_events_to_the_programme_role(client):
    user = make_staff(Role.PROGRAMME)
    user.is_staff = True
    user.save()
    log_in(client, user)
    assert client.get(reverse("admin:programme_event_add")).status_code == 200
    assert client.get(reverse("admin:programme_outboxmessage_changelist")).status_code == 200


def test_the_qr_code_at_the_door_records_the_arrival_and_nothing_else(client, staff):
    from ecoute.programme import links

    event = make_event()
    registration = actions.register(event.pk, email="a@example.org", name="Anne")
    manage = client.get(reverse("programme:manage", args=[links.manage_token(registration)])).content.decode()
    assert "<svg" in manage
    check_in = links.check_in_url(registration).removeprefix("http://localhost:8000")
    assert "Anne" in staff.get(check_in).content.decode()
    registration.refresh_from_db()
    assert registration.state == State.REGISTERED  # opening the page changes nothing
    staff.post(check_in)
    registration.refresh_from_db()
    assert registration.state == State.ATTENDED
    # The door's code is not a manage link, and a manage link is not a door's code.
    token = check_in.rstrip("/").rsplit("/", 1)[1]
    assert client.get(reverse("programme:manage", args=[token])).status_code == 404
    assert (
        staff.get(reverse("programme:staff_check_in", args=[links.manage_token(registration)])).status_code
        == 404
    )


def test_the_programme_role_lands_on_its_events_after_logging_in():
    from ecoute.accounts.access import home_for

    assert home_for(make_staff(Role.PROGRAMME)) == reverse("programme:staff_events")


def test_a_weekly_series_copies_the_session_with_its_slots_unpublished_and_only_once():
    from ecoute.programme import series
    from tests.programme.support import make_jades_day

    event, _slots = make_jades_day()
    made = series.repeat_weekly(event, 3)
    assert [e.starts_at - event.starts_at for e in made] == [timedelta(weeks=n) for n in (1, 2, 3)]
    assert all(not e.published for e in made)
    assert [e.slots.count() for e in made] == [2, 2, 2]
    assert made[0].slots.first().workshops.count() == 2
    assert series.repeat_weekly(event, 3) == []
