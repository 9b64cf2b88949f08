"""The psychologist fills the record of the call just ended: pre-filled, validated, counted."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse

from ecoute.calls.actions import workspace_closed
from ecoute.contacts import actions, tallies
from ecoute.contacts.models import ContactRecord, ContactTally, NoteRead, Profession, Reason
from ecoute.presence import actions as presence
from ecoute.presence.models import Status
from tests.support.cast import make_psychologist
from tests.support.contacts import call_through_the_line, make_call, make_record
from tests.support.twofactor import log_in

pytestmark = pytest.mark.django_db


def form_post(**overrides) -> dict:
    data = {
        "returning": "non",
        "language": "fr",
        "profession": Profession.objects.get(code="infirmier").pk,
        "employment": _pk("EmploymentStatus", "salarie"),
        "reasons": [Reason.objects.get(code="epuisement").pk],
        "risk_level": _pk("RiskLevel", "faible"),
        "note": "Épuisée après trois nuits de suite.",
    }
    data.update(overrides)
    return data


def _pk(model_name, code):
    from ecoute.contacts import models

    return getattr(models, model_name).objects.get(code=code).pk


def test_the_form_is_prefilled_with_what_the_line_knows(client):
    claire = make_psychologist("Claire")
    make_record(claire, make_call(claire, caller="device-a", ago=timedelta(days=3)))
    call = make_call(claire, caller="device-a", minutes=17)
    log_in(client, claire)
    page = client.get(reverse("contacts:record_call", args=[call.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "17 min" in html
    assert re.search(r'name="returning" value="oui"[^>]*checked', html), "a returning caller is pre-ticked"


def test_saving_stores_the_record_counts_it_and_encrypts_the_note(client):
    claire = make_psychologist("Claire")
    call = make_call(claire, minutes=20)
    log_in(client, claire)
    response = client.post(
        reverse("contacts:record_call", args=[call.pk]), form_post(), HTTP_X_ECOUTE_PARTIAL="1"
    )
    assert response.status_code == 200, response.content.decode()
    record = ContactRecord.objects.get()
    assert record.call == call and record.author == claire and record.duration_seconds == 20 * 60
    assert list(record.reasons.values_list("code", flat=True)) == ["epuisement"]
    assert "Épuisée" not in ContactRecord.objects.values_list("note", flat=True).get().token
    assert ContactTally.objects.get(span="day", dimension="profession", value="infirmier").count == 1
    assert ContactTally.objects.get(span="month", dimension="duration_band", value="15-30").count == 1


def test_a_wrong_form_says_what_is_wrong_and_stores_nothing(client):
    claire = make_psychologist("Claire")
    call = make_call(claire)
    log_in(client, claire)
    response = client.post(
        reverse("contacts:record_call", args=[call.pk]), form_post(reasons=[], profession="999999")
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Cochez au moins un motif" in html and "Profession" in html
    assert not ContactRecord.objects.exists() and not ContactTally.objects.exists()


def test_correcting_a_record_moves_its_counts(client):
    claire = make_psychologist("Claire")
    record = make_record(claire, profession="infirmier", note="première version")
    log_in(client, claire)
    page = client.get(reverse("contacts:record_call", args=[record.call_id]))
    assert "première version" in page.content.decode()
    assert NoteRead.objects.filter(reader=claire, record=record).count() == 1
    response = client.post(
        reverse("contacts:record_call", args=[record.call_id]),
        form_post(profession=_pk("Profession", "medecin")),
    )
    assert response.status_code == 302
    assert ContactRecord.objects.count() == 1
    counts = dict(
        ContactTally.objects.filter(span="day", dimension="profession").values_list("value", "count")
    )
    assert counts == {"infirmier": 0, "medecin": 1}
    before = {(t.span, t.day, t.dimension, t.value): t.count for t in ContactTally.objects.exclude(count=0)}
    tallies.rebuild()
    assert {(t.span, t.day, t.dimension, t.value): t.count for t in ContactTally.objects.all()} == before


def test_the_workspace_gets_the_pending_form_then_nothing(client):
    claire = make_psychologist("Claire", status=Status.AVAILABLE)
    call = call_through_the_line(claire)
    log_in(client, claire)
    pending = client.get(reverse("contacts:pending"), HTTP_X_ECOUTE_PARTIAL="1")
    assert pending.status_code == 200 and str(call.pk) in pending.content.decode()
    assert "<html" not in pending.content.decode()
    client.post(reverse("contacts:record_call", args=[call.pk]), form_post(), HTTP_X_ECOUTE_PARTIAL="1")
    assert client.get(reverse("contacts:pending")).status_code == 204


def test_nobody_fills_the_record_of_someone_elses_call(client):
    claire, karim = make_psychologist("Claire"), make_psychologist("Karim")
    call = make_call(claire)
    log_in(client, karim)
    assert client.post(reverse("contacts:record_call", args=[call.pk]), form_post()).status_code == 404
    assert not ContactRecord.objects.exists()


def test_the_addresses_given_from_the_directory_are_kept_and_an_unknown_one_is_refused(client):
    from django.utils import timezone

    from ecoute.directory.models import Entry

    unit = Entry.objects.create(
        external_id="u-1", kind="unit", name="Unité des soignants, Lille", last_verified=timezone.localdate()
    )
    claire = make_psychologist("Claire")
    call = make_call(claire)
    log_in(client, claire)
    refused = client.post(
        reverse("contacts:record_call", args=[call.pk]), form_post(directory_entries=[unit.pk + 1000])
    )
    assert refused.status_code == 400 and not ContactRecord.objects.exists()
    client.post(reverse("contacts:record_call", args=[call.pk]), form_post(directory_entries=[unit.pk]))
    assert list(ContactRecord.objects.get().directory_entries.all()) == [unit]


def test_each_wrap_up_shows_its_own_call_and_earlier_records_wait_apart(client, settings):
    settings.ECOUTE_MIN_WRAP_UP_SECONDS = 0
    claire = make_psychologist("Claire", status=Status.AVAILABLE)
    earlier = call_through_the_line(claire)
    workspace_closed(claire.pk, "test-session")  # the workspace closed during that call's wrap-up
    presence.open_session(claire.pk, "second-window")
    presence.choose_status(claire.pk, "second-window", Status.AVAILABLE)
    just_ended = call_through_the_line(claire)
    log_in(client, claire)

    wrap_up = client.get(reverse("contacts:pending"), HTTP_X_ECOUTE_PARTIAL="1").content.decode()
    assert str(just_ended.pk) in wrap_up and str(earlier.pk) not in wrap_up
    apart = client.get(reverse("contacts:to_complete"), HTTP_X_ECOUTE_PARTIAL="1").content.decode()
    assert "Fiches à compléter" in apart and str(earlier.pk) in apart and str(just_ended.pk) not in apart

    client.post(reverse("contacts:record_call", args=[just_ended.pk]), form_post(), HTTP_X_ECOUTE_PARTIAL="1")
    assert ContactRecord.objects.get().call == just_ended, "the call that just ended has its record"
    assert client.get(reverse("contacts:pending")).status_code == 204
    assert list(actions.calls_to_record(claire.pk)) == [earlier]  # still waiting, apart
    client.post(reverse("contacts:record_call", args=[earlier.pk]), form_post(), HTTP_X_ECOUTE_PARTIAL="1")
    assert client.get(reverse("contacts:to_complete")).status_code == 204


def test_the_interview_language_is_the_one_the_caller_asked_for(client):
    claire = make_psychologist("Claire", status=Status.AVAILABLE, languages=("fr", "en"))
    in_english = call_through_the_line(claire, language="en")
    log_in(client, claire)
    page = client.get(reverse("contacts:record_call", args=[in_english.pk])).content.decode()
    assert re.search(r'<option value="en"[^>]*selected', page), "the caller asked for English"
    assert actions.prefill(in_english)["language"] == "en"
    assert actions.prefill(make_call(claire))["language"] == "fr"  # nothing asked: French
