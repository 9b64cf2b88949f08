"""The retention purge forgets exactly the notes and caller links past the period, and nothing else."""

import io
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from ecoute.calls.models import Call
from ecoute.contacts.models import ContactRecord, ContactTally
from tests.support.cast import make_psychologist
from tests.support.contacts import caller_key_hash, make_call, make_record

pytestmark = pytest.mark.django_db


def counts():
    return {(t.span, t.day, t.dimension, t.value): t.count for t in ContactTally.objects.all()}


def test_the_purge_removes_exactly_what_it_should_and_is_safe_to_repeat(settings):
    settings.ECOUTE_CONTACT_RETENTION_DAYS = 365
    claire = make_psychologist("Claire")
    old = make_record(
        claire,
        make_call(claire, caller="old-device", ago=timedelta(days=400)),
        note="ancienne note",
        profession="medecin",
    )
    recent = make_record(
        claire, make_call(claire, caller="recent-device", ago=timedelta(days=30)), note="note récente"
    )
    stale_unanswered = Call.objects.create(
        requested_at=timezone.now() - timedelta(days=500),
        caller_key_hash=caller_key_hash("x"),
        state="abandoned",
    )
    before = counts()

    out = io.StringIO()
    call_command("purge_contacts", stdout=out)
    assert "1 notes effacées, 2 liens d'appelant oubliés" in out.getvalue()

    old, recent = ContactRecord.objects.get(pk=old.pk), ContactRecord.objects.get(pk=recent.pk)
    assert not old.note and old.purged_at is not None
    assert old.call.caller_key_hash == "" and Call.objects.get(pk=stale_unanswered.pk).caller_key_hash == ""
    assert old.profession.code == "medecin" and old.reasons.count() == 1  # the coded fields stay
    assert (
        recent.note
        and recent.purged_at is None
        and recent.call.caller_key_hash == caller_key_hash("recent-device")
    )
    assert counts() == before  # statistics are untouched

    again = io.StringIO()
    call_command("purge_contacts", stdout=again)
    assert "0 notes effacées, 0 liens d'appelant oubliés" in again.getvalue()
    assert ContactRecord.objects.get(pk=old.pk).purged_at == old.purged_at


def test_a_purged_note_is_no_longer_offered_to_anyone(client):
    from tests.support.twofactor import log_in

    claire = make_psychologist("Claire")
    old = make_record(claire, make_call(claire, ago=timedelta(days=900)), note="ancienne note")
    call_command("purge_contacts", "--days", "365", stdout=io.StringIO())
    log_in(client, claire)
    assert client.get(f"/espace/fiches/{old.pk}/note/").status_code == 404
    assert "effacée" in client.get("/espace/fiches/").content.decode()


def test_a_wrong_retention_is_refused():
    with pytest.raises(CommandError, match="au moins 1"):
        call_command("purge_contacts", "--days", "0")
