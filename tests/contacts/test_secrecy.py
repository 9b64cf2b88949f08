"""Notes are health data: encrypted at rest, never in a dump, a log or an export; keys rotate."""

import io
import logging
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection
from django.test import override_settings

from ecoute.contacts import actions
from ecoute.contacts.models import ContactRecord, ReadPlace
from ecoute.lib.crypto import NoteKeyError
from ecoute.lib.env import ConfigurationError
from ecoute.lib.note_keys import parse_keys
from ecoute.stats import exports, figures
from tests.support.cast import make_psychologist
from tests.support.contacts import make_record
from tests.support.twofactor import log_in

pytestmark = pytest.mark.django_db(transaction=True)
CANARY = "CANARI-7f3a9-secret-medical"


def stored_notes() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT note FROM contacts_contactrecord")
        return [row[0] for row in cursor.fetchall()]


def test_the_canary_never_reaches_the_database_file_a_dump_the_logs_or_an_export(client, caplog, settings):
    caplog.set_level(logging.DEBUG)
    claire = make_psychologist("Claire")
    for _ in range(12):
        record = make_record(claire, note=f"{CANARY} — épuisement, nuits")
    assert all(CANARY not in note and note.startswith("gAAAA") for note in stored_notes())

    dump = io.StringIO()
    call_command("dumpdata", "contacts", stdout=dump)
    assert CANARY not in dump.getvalue()

    if connection.vendor == "sqlite":
        connection.close()  # checkpoint: every page is in the file
        for path in Path(connection.settings_dict["NAME"]).parent.glob(
            Path(connection.settings_dict["NAME"]).name + "*"
        ):
            assert CANARY.encode() not in path.read_bytes(), path

    log_in(client, claire)
    settings.ECOUTE_STATS_MIN_CELL = 1
    assert CANARY in client.get(f"/espace/fiches/{record.pk}/note/").content.decode()  # its author reads it
    period = figures.Period.default()
    assert CANARY not in exports.to_csv(figures.report(period))
    assert CANARY.encode() not in exports.to_xlsx(figures.report(period))
    assert CANARY not in caplog.text


def test_a_missing_key_is_a_clear_error_and_stores_nothing():
    claire = make_psychologist("Claire")
    with override_settings(ECOUTE_NOTE_KEYS=[]):
        with pytest.raises(NoteKeyError, match="ECOUTE_NOTE_KEYS is empty"):
            make_record(claire, note="quelque chose")
    assert not ContactRecord.objects.exists()


def test_a_wrong_key_is_a_clear_error_never_plaintext_nor_garbage():
    claire = make_psychologist("Claire")
    record = make_record(claire, note=CANARY)
    with override_settings(ECOUTE_NOTE_KEYS=[Fernet.generate_key().decode()]):
        with pytest.raises(NoteKeyError, match="key it was written with is missing"):
            actions.read_note(claire, ContactRecord.objects.get(pk=record.pk), "test", ReadPlace.PAGE)


def test_keys_are_checked_at_start():
    with pytest.raises(ConfigurationError, match="key 2 is not a Fernet key"):
        parse_keys(f"{Fernet.generate_key().decode()}, not-a-key")


def test_rotation_reencrypts_every_note_and_they_read_back_with_the_new_key_alone(settings):
    claire = make_psychologist("Claire")
    old_key, new_key = settings.ECOUTE_NOTE_KEYS[0], Fernet.generate_key().decode()
    records = [make_record(claire, note=f"note {i} {CANARY}") for i in range(5)]
    make_record(claire, note="")
    before = stored_notes()
    settings.ECOUTE_NOTE_KEYS = [new_key, old_key]
    out = io.StringIO()
    call_command("rotate_note_keys", stdout=out)
    assert "5 notes rechiffrées" in out.getvalue()
    after = stored_notes()
    assert set(before) & set(after) == {""}
    settings.ECOUTE_NOTE_KEYS = [new_key]
    for i, record in enumerate(records):
        fresh = ContactRecord.objects.get(pk=record.pk)
        assert actions.read_note(claire, fresh, "test", ReadPlace.PAGE) == f"note {i} {CANARY}"
    assert all(Fernet(new_key).decrypt(token.encode()) for token in after if token)


# What people write in testimonies and studies, and moderators' messages (ecoute/selfhelp, ecoute/studies).
SELF_HELP_FIELDS = [
    "selfhelp.Testimony.text",
    "selfhelp.Testimony.email",
    "selfhelp.Testimony.author_message",
    "selfhelp.ModerationDecision.reason",
    "studies.Answer.text",
    # An invitation by e-mail waiting to go: the address and the link's key.
    "studies.InvitationMail.address",
    "studies.InvitationMail.key",
]
# (The authors' legal records are not here: sealed to an offline key the server does not hold, they
# are not the notes' keys' to rotate; tests/selfhelp/test_author_seal.py.)


def _training_comment(registration, text):
    """A comment left in a training's satisfaction questionnaire (ecoute/programme/survey.py)."""
    from ecoute.programme.models import Answer, AnswerType, Moment, Question, SurveyResponse

    response = SurveyResponse.objects.create(
        event=registration.event, registration=registration, moment=Moment.AFTER
    )
    question = Question.objects.create(part="satisfaction", text="Vos remarques", answer_type=AnswerType.TEXT)
    return Answer.objects.create(response=response, question=question, text=text)


def test_rotation_reencrypts_every_encrypted_field_of_every_model_and_is_journalled(settings):
    from django.utils import timezone

    from ecoute.calls.models import Alert, AlertKind
    from ecoute.contacts.models import NoteRead
    from ecoute.lib.crypto import encrypted_fields
    from ecoute.programme import actions as programme
    from ecoute.programme.models import Answer, Registration
    from ecoute.security.models import SecurityEvent, SecurityEventKind
    from tests.programme.support import make_event

    assert {f"{model._meta.label}.{name}" for model, name in encrypted_fields()} == {
        "calls.Alert.reason",
        "contacts.ContactRecord.note",
        "contacts.NoteRead.reason",
        "programme.Registration.accessibility",
        "programme.Answer.text",
        "followup.FollowUp.reminder",
        *SELF_HELP_FIELDS,
    }
    claire = make_psychologist("Claire")
    from ecoute.followup.models import FollowUp

    FollowUp.objects.create(
        token_hash="f" * 64,
        psychologist=claire,
        at=timezone.now(),
        expires_at=timezone.now(),
        reminder=f'{{"subscription": "{CANARY}"}}',
    )
    record = make_record(claire, note=f"note {CANARY}")
    actions.read_note(claire, record, f"lecture {CANARY}", ReadPlace.PAGE)
    Alert.objects.create(kind=AlertKind.EMERGENCY, reason=f"urgence {CANARY}", created_at=timezone.now())
    registration = programme.register(
        make_event().pk, email="a@example.org", accessibility=f"fauteuil {CANARY}"
    )
    comment = _training_comment(registration, f"commentaire {CANARY}")
    old_key, new_key = settings.ECOUTE_NOTE_KEYS[0], Fernet.generate_key().decode()
    settings.ECOUTE_NOTE_KEYS = [new_key, old_key]
    call_command("rotate_note_keys", stdout=io.StringIO())

    settings.ECOUTE_NOTE_KEYS = [new_key]  # the old key removed: everything still opens
    assert Alert.objects.get().reason.open() == f"urgence {CANARY}"
    assert NoteRead.objects.get().reason.open() == f"lecture {CANARY}"
    assert ContactRecord.objects.get().note.open() == f"note {CANARY}"
    assert Registration.objects.get(pk=registration.pk).accessibility.open() == f"fauteuil {CANARY}"
    assert Answer.objects.get(pk=comment.pk).text.open() == f"commentaire {CANARY}"
    assert FollowUp.objects.get().reminder.open() == f'{{"subscription": "{CANARY}"}}'
    event = SecurityEvent.objects.get(kind=SecurityEventKind.KEY_ROTATION)
    assert event.details == {
        "calls.Alert.reason": 1,
        "contacts.ContactRecord.note": 1,
        "contacts.NoteRead.reason": 1,
        "programme.Registration.accessibility": 1,
        "programme.Answer.text": 1,
        "followup.FollowUp.reminder": 1,
        **dict.fromkeys(SELF_HELP_FIELDS, 0),
    }
