"""E-mail for real: the outbox sent by the worker to an SMTP server on loopback, read back as received."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from icalendar import Calendar
from pypdf import PdfReader

from ecoute.programme import actions, worker
from ecoute.programme.models import Event, Kind, MailKind, OutboxMessage, State
from tests.programme.smtp import smtp  # noqa: F401 (fixture)
from tests.programme.support import make_event

pytestmark = pytest.mark.django_db


def calendar_of(message) -> Calendar:
    part = next(p for p in message.iter_attachments() if p.get_content_type() == "text/calendar")
    return Calendar.from_ical(part.get_content())


def test_the_confirmation_arrives_with_an_invitation_and_the_manage_link(smtp):
    event = make_event(title="Repérage à Lille", starts_at=timezone.now() + timedelta(days=20))
    registration = actions.register(event.pk, email="camille@example.org", name="Camille Martin")
    assert worker.send_due()["sent"] == 1  # the reminders are not due yet
    [message] = smtp.to("camille@example.org")
    assert "Repérage à Lille" in message["Subject"]
    body = message.get_body(("plain",)).get_content()
    assert "/programme/inscription/" in body and "CHU de Lille" in body
    invitation = calendar_of(message)
    assert str(invitation["method"]) == "REQUEST"
    [entry] = invitation.walk("VEVENT")
    assert (
        entry.decoded("dtstart") == event.starts_at.replace(microsecond=0)
        and str(entry["summary"]) == "Repérage à Lille"
    )
    assert "camille@example.org" in str(entry["attendee"])
    assert (
        OutboxMessage.objects.get(registration=registration, kind=MailKind.CONFIRMATION).sent_at is not None
    )


def test_reminders_wait_for_their_time_and_go_only_to_those_still_registered(smtp):
    event = make_event(starts_at=timezone.now() + timedelta(days=10), price=30)
    staying = actions.register(event.pk, email="stays@example.org")
    leaving = actions.register(event.pk, email="leaves@example.org")
    worker.send_due()
    actions.cancel(leaving.pk)
    worker.send_due()
    smtp.messages.clear()
    worker.send_due(event.starts_at - timedelta(days=7) + timedelta(minutes=1))
    # (A training's questionnaire may go at J-7 too: test_questionnaires.py.)
    reminders = [m for m in smtp.messages if "Rappel" in m["Subject"]]
    assert [m["To"] for m in reminders] == ["stays@example.org"]
    assert (
        OutboxMessage.objects.filter(registration=leaving, kind=MailKind.REMINDER, dropped=True).count() == 1
    )
    assert staying.mails.filter(kind=MailKind.REMINDER, sent_at=None).count() == 1  # J-1 still to come


def test_an_online_session_sends_the_join_link_an_hour_before(smtp, client):
    event = make_event(
        kind=Kind.EJADES,
        online=True,
        starts_at=timezone.now() + timedelta(hours=5),
        join_url="https://visio.example.org/ejades-42",
        dpc_reference="",
    )
    actions.register(event.pk, email="pseudo@example.org")
    worker.send_due()
    assert "visio.example.org" not in smtp.messages[0].get_body(("plain",)).get_content()
    worker.send_due(event.starts_at - timedelta(minutes=59))
    join = smtp.messages[-1].get_body(("plain",)).get_content()
    # The link goes through Écoute (which notes the attendance), then to the room.
    assert "visio.example.org" not in join
    link = re.search(r"https?://[^/\s]+(/programme/rejoindre/\S+/)", join).group(1)
    Event.objects.filter(pk=event.pk).update(starts_at=timezone.now() + timedelta(minutes=10))
    assert client.get(link)["Location"] == "https://visio.example.org/ejades-42"


def test_an_offer_email_names_its_deadline_then_the_next_person_gets_one(smtp):
    event = make_event(capacity=1, price=30)
    holder = actions.register(event.pk, email="a@example.org")
    actions.register(event.pk, email="b@example.org")
    actions.register(event.pk, email="c@example.org")
    actions.cancel(holder.pk)
    worker.send_due()
    offer = smtp.to("b@example.org")[-1]
    assert "Une place s'est libérée" in offer["Subject"]
    worker.one_pass(timezone.now() + timedelta(hours=25))
    assert "Une place s'est libérée" in smtp.to("c@example.org")[-1]["Subject"]


def test_the_confirm_request_at_j2_opens_the_release_of_unconfirmed_places(smtp):
    event = make_event(capacity=1, price=0, starts_at=timezone.now() + timedelta(days=4))
    holder = actions.register(event.pk, email="a@example.org")
    waiting = actions.register(event.pk, email="b@example.org")
    j2 = event.starts_at - timedelta(days=2) + timedelta(minutes=1)
    worker.send_due(j2)
    assert "Confirmez votre venue" in smtp.to("a@example.org")[-1]["Subject"]
    holder.refresh_from_db()
    assert holder.confirm_asked_at is not None
    # The time passes: J-2 + 24 h without an answer.
    type(holder).objects.filter(pk=holder.pk).update(confirm_asked_at=timezone.now() - timedelta(hours=25))
    worker.one_pass()
    holder.refresh_from_db()
    waiting.refresh_from_db()
    assert holder.state == State.CANCELLED and waiting.state == State.OFFERED


def test_a_cancelled_event_sends_a_calendar_cancel(smtp):
    event = make_event()
    actions.register(event.pk, email="a@example.org")
    actions.cancel_event(event.pk)
    worker.send_due()
    cancel = smtp.to("a@example.org")[-1]
    calendar = calendar_of(cancel)
    assert str(calendar["method"]) == "CANCEL"
    assert str(next(iter(calendar.walk("VEVENT")))["status"]) == "CANCELLED"


def test_the_certificate_pdf_says_who_what_and_the_dpc_reference(smtp):
    event = make_event(
        title="Comment intervenir auprès d'un soignant en crise suicidaire", dpc_reference="98765432109"
    )
    registration = actions.register(event.pk, email="a@example.org", name="Camille Martin")
    actions.attend(registration.pk)
    code = actions.issue_certificate(registration.pk).certificate_code
    worker.send_due()
    message = smtp.to("a@example.org")[-1]
    pdf = next(p for p in message.iter_attachments() if p.get_content_type() == "application/pdf")
    path = "artifacts/certificate-test.pdf"
    import pathlib

    pathlib.Path("artifacts").mkdir(exist_ok=True)
    pathlib.Path(path).write_bytes(pdf.get_content())
    text = " ".join(PdfReader(path).pages[0].extract_text().split())
    for expected in (
        "Attestation de fin de formation",
        "Camille Martin",
        "crise suicidaire",
        "98765432109",
        code,
    ):
        assert expected in text


def test_a_refusing_server_leaves_the_message_to_be_tried_again(smtp):
    event = make_event()
    registration = actions.register(event.pk, email="a@example.org")
    smtp.refuse = True
    assert worker.send_due()["failed"] == 1
    message = registration.mails.get(kind=MailKind.CONFIRMATION)
    assert message.sent_at is None and message.attempts == 1 and not message.dropped
    assert worker.send_due()["sent"] == 0  # not before its retry delay
    smtp.refuse = False
    assert worker.send_due(timezone.now() + timedelta(minutes=2))["sent"] == 1
    assert len(smtp.to("a@example.org")) == 1


def test_english_registrants_get_english_emails(smtp):
    event = make_event()
    actions.register(event.pk, email="a@example.org", language="en")
    worker.send_due()
    assert str(smtp.to("a@example.org")[0]["Subject"]).strip().startswith("Registration confirmed")


def test_with_jitsi_each_registrant_gets_a_signed_link_of_their_own(smtp, settings, client):
    import jwt

    from ecoute.programme import video

    settings.ECOUTE_JITSI_URL = "https://visio.example.org"
    settings.ECOUTE_JITSI_APP_ID, settings.ECOUTE_JITSI_SECRET = (
        "ecoute",
        "a-long-shared-secret-for-the-tests-only",
    )
    event = make_event(
        kind=Kind.EJADES, online=True, starts_at=timezone.now() + timedelta(minutes=30), dpc_reference=""
    )
    actions.register(event.pk, email="pseudo@example.org", name="Lune")
    worker.send_due()  # registered in the last hour: the confirmation and the link go at once
    body = smtp.to("pseudo@example.org")[-1].get_body(("plain",)).get_content()
    through_ecoute = re.search(r"https?://[^/\s]+(/programme/rejoindre/\S+/)", body).group(1)
    assert client.get(through_ecoute).status_code == 409  # the room opens 15 minutes before the start
    Event.objects.filter(pk=event.pk).update(starts_at=timezone.now() + timedelta(minutes=10))
    event.refresh_from_db()
    link = client.get(through_ecoute)["Location"]
    room, token = link.removeprefix("https://visio.example.org/").split("?jwt=")
    assert room == video.room_name(event) and str(event.pk) in room and len(room) > 25
    claims = jwt.decode(
        token,
        "a-long-shared-secret-for-the-tests-only",
        algorithms=["HS256"],
        audience="jitsi",
        options={"verify_nbf": False},
    )
    assert claims["room"] == room and claims["iss"] == "ecoute" and claims["sub"] == "visio.example.org"
    assert claims["context"]["user"] == {"name": "Lune"}
    assert "pseudo@example.org" not in str(claims)
    assert claims["nbf"] == int((event.starts_at - timedelta(minutes=15)).timestamp())
    assert event.ends_at.timestamp() < claims["exp"]
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(
            token,
            "another-secret-of-enough-length-here",
            algorithms=["HS256"],
            audience="jitsi",
            options={"verify_nbf": False},
        )
