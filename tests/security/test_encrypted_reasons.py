"""Reasons typed by staff are health data: encrypted at rest, existing rows encrypted by the migration, opened on purpose."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from ecoute.calls.models import Alert, AlertKind
from ecoute.contacts import actions
from ecoute.contacts.models import NoteRead, ReadPlace
from ecoute.lib.crypto import unseal
from tests.support.cast import make_psychologist
from tests.support.contacts import ensure_taxonomies, make_record, make_staff
from tests.support.twofactor import log_in

pytestmark = pytest.mark.django_db(transaction=True)
BEFORE = [("calls", "0003_warm_transfer"), ("contacts", "0004_tally_months")]
AFTER = [("calls", "0004_alert_reason_encrypted"), ("contacts", "0005_note_read_reason_encrypted")]


def raw(table: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT reason FROM {table} ORDER BY id")
        return [row[0] for row in cursor.fetchall()]


def migrate(targets) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


@pytest.fixture
def latest_schema_after():
    """The tests after this one need every migration applied, whatever happens here."""
    yield
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def test_the_migration_encrypts_the_reasons_already_stored_and_decrypts_them_back(latest_schema_after):
    migrate(BEFORE)
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO calls_alert (kind, reason, created_at) VALUES ('emergency', 'a pris des médicaments', %s)",
            [timezone.now()],
        )
        cursor.execute(
            "INSERT INTO calls_alert (kind, reason, created_at) VALUES ('low_staff', '', %s)",
            [timezone.now()],
        )
    migrate(AFTER)
    stored = raw("calls_alert")
    assert stored[0].startswith("gAAAA") and "médicaments" not in stored[0] and stored[1] == ""
    assert unseal(stored[0]) == "a pris des médicaments"  # (raw: the model's later columns are not there yet)
    migrate(AFTER)  # nothing to do twice
    assert raw("calls_alert") == stored
    migrate(BEFORE)
    assert raw("calls_alert") == ["a pris des médicaments", ""]
    migrate(AFTER)


def test_the_supervisors_board_and_the_read_journal_open_the_reasons_on_purpose(
    client, admin_client, admin_user
):
    ensure_taxonomies()
    claire, helene = make_psychologist("Claire"), make_staff("supervisor", "Hélène")
    Alert.objects.create(
        kind=AlertKind.EMERGENCY, reason="dit avoir pris des médicaments", created_at=timezone.now()
    )
    actions.read_note(helene, make_record(claire, note="note"), "elle rappelle en crise", ReadPlace.PAGE)
    assert raw("calls_alert")[0].startswith("gAAAA") and raw("contacts_noteread")[0].startswith("gAAAA")

    log_in(client, helene)
    assert "dit avoir pris des médicaments" in client.get("/supervision/tableau/").content.decode()
    log_in(admin_client, admin_user)  # the admin asks for the second factor too
    journal = admin_client.get("/admin/contacts/noteread/")
    assert journal.status_code == 200 and "elle rappelle en crise" in journal.content.decode()
    assert NoteRead.objects.get().reason.token in raw("contacts_noteread")


def test_a_reason_whose_key_is_gone_leaves_the_board_standing(client, settings):
    from cryptography.fernet import Fernet

    helene = make_staff("supervisor", "Hélène")
    Alert.objects.create(
        kind=AlertKind.EMERGENCY, reason="dit avoir pris des médicaments", created_at=timezone.now()
    )
    settings.ECOUTE_NOTE_KEYS = [Fernet.generate_key().decode()]
    log_in(client, helene)
    board = client.get("/supervision/tableau/")
    assert (
        board.status_code == 200
        and "motif illisible" in board.content.decode()
        and "Urgence vitale" in board.content.decode()
    )
