"""A call handed over to a supervisor (warm transfer): each psychologist records their part, the
supervisor who carried it on records the call, and the statistics count one contact."""

import pytest
from django.test import Client
from django.urls import reverse

from ecoute.accounts.models import Role, User
from ecoute.calls import actions as line
from ecoute.contacts import actions, tallies
from ecoute.contacts.models import ContactRecord, ContactTally
from ecoute.presence.models import Presence, Status
from tests.contacts.test_contact_form import form_post
from tests.support.cast import make_psychologist
from tests.support.contacts import call_through_the_line
from tests.support.twofactor import log_in

pytestmark = pytest.mark.django_db


def make_supervisor(name: str = "Hélène"):
    supervisor = make_psychologist(name, status=Status.BREAK)
    User.objects.filter(pk=supervisor.pk).update(role=Role.SUPERVISOR)
    supervisor.refresh_from_db()
    return supervisor


def contacts_counted() -> int:
    return sum(ContactTally.objects.filter(span="day", dimension="total").values_list("count", flat=True))


def test_both_record_their_part_of_a_handed_over_call_and_it_counts_once(client, settings):
    settings.ECOUTE_MIN_WRAP_UP_SECONDS = 0
    claire, helene = make_psychologist("Claire", status=Status.AVAILABLE), make_supervisor()
    call = call_through_the_line(claire, hang_up=False)
    line.join_call(call.pk, helene.pk)
    line.hand_over(call.pk, claire.pk)

    # Claire's wrap-up is for her part, while Hélène still talks with the caller.
    assert Presence.objects.get(pk=claire.pk).wrap_up_call_id == call.pk
    log_in(client, claire)
    form = client.get(reverse("contacts:pending"), HTTP_X_ECOUTE_PARTIAL="1").content.decode()
    assert str(call.pk) in form and "Votre partie de l’appel" in form
    assert (
        client.post(
            reverse("contacts:record_call", args=[call.pk]), form_post(), HTTP_X_ECOUTE_PARTIAL="1"
        ).status_code
        == 200
    )
    part = ContactRecord.objects.get(author=claire)
    assert part.call == call and part.handed_over_part and part.duration_seconds is None
    assert contacts_counted() == 0, "the part before the hand-over is not a contact of its own"
    assert Presence.objects.get(pk=claire.pk).status == Status.AVAILABLE

    line.psychologist_hangs_up(call.pk, helene.pk)
    supervisor = Client()
    log_in(supervisor, helene)
    assert (
        str(call.pk)
        in supervisor.get(reverse("contacts:pending"), HTTP_X_ECOUTE_PARTIAL="1").content.decode()
    )
    assert (
        supervisor.post(
            reverse("contacts:record_call", args=[call.pk]), form_post(), HTTP_X_ECOUTE_PARTIAL="1"
        ).status_code
        == 200
    )
    whole = ContactRecord.objects.get(author=helene)
    call.refresh_from_db()
    assert whole.call == call and not whole.handed_over_part
    assert whole.duration_seconds == int((call.ended_at - call.answered_at).total_seconds())

    assert ContactRecord.objects.filter(call=call).count() == 2
    assert contacts_counted() == 1
    assert tallies.rebuild() == 1 and contacts_counted() == 1  # recounting from the records agrees
    assert not actions.calls_to_record(claire.pk).exists() and not actions.calls_to_record(helene.pk).exists()


def test_each_one_corrects_only_their_own_record_of_the_call(client, settings):
    settings.ECOUTE_MIN_WRAP_UP_SECONDS = 0
    claire, helene = make_psychologist("Claire", status=Status.AVAILABLE), make_supervisor()
    call = call_through_the_line(claire, hang_up=False)
    line.join_call(call.pk, helene.pk)
    line.hand_over(call.pk, claire.pk)
    line.psychologist_hangs_up(call.pk, helene.pk)
    supervisor = Client()
    log_in(supervisor, helene)
    supervisor.post(reverse("contacts:record_call", args=[call.pk]), form_post(note="la suite de l'appel"))
    log_in(client, claire)
    page = client.get(reverse("contacts:record_call", args=[call.pk])).content.decode()
    assert "la suite de l" not in page and "Corriger" not in page, (
        "Claire starts her own record, not Hélène's"
    )
    client.post(reverse("contacts:record_call", args=[call.pk]), form_post(note="le début de l'appel"))
    assert ContactRecord.objects.get(author=helene).note.open() == "la suite de l'appel"
    assert ContactRecord.objects.get(author=claire).note.open() == "le début de l'appel"
