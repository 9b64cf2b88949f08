"""Role × record owner × endpoint: nobody gets what their role does not allow, not once."""

from datetime import timedelta

import pytest

from ecoute.accounts.models import Role
from ecoute.calls.models import CallState
from ecoute.contacts.models import NotePolicy
from tests.support.cast import make_psychologist
from tests.support.contacts import make_call, make_record, make_staff
from tests.support.twofactor import log_in

pytestmark = pytest.mark.django_db
CANARY = "CANARI-matrice-91"
REASON = {"reason": "Supervision clinique hebdomadaire"}


def cast():
    claire = make_psychologist("Claire")
    return {
        "author": claire,
        "colleague": make_psychologist("Karim"),
        "supervisor": make_staff(Role.SUPERVISOR, "Hélène"),
        "statistician": make_staff(Role.STATISTICIAN, "Stat"),
        "administrator": make_staff(Role.ADMINISTRATOR, "Admin"),
        "anonymous": None,
    }


def endpoints(record, call):
    """(name, method, url, data) of every route that touches records, notes or statistics."""
    return [
        ("note", "get", f"/espace/fiches/{record.pk}/note/", None),
        ("note-with-reason", "post", f"/espace/fiches/{record.pk}/note/", REASON),
        ("form", "get", f"/espace/fiches/appel/{call.pk}/", None),
        ("form-save", "post", f"/espace/fiches/appel/{call.pk}/", {"profession": "1"}),
        ("records", "get", "/espace/fiches/", None),
        ("dashboard", "get", "/statistiques/", None),
        ("export-csv", "get", "/statistiques/export.csv", None),
        ("export-xlsx", "get", "/statistiques/export.xlsx", None),
        ("api-report", "get", "/api/stats/report", None),
    ]


# What each role may do; everything else must fail (or, for pages, never show the note).
ALLOWED = {
    "author": {"note", "note-with-reason", "form", "form-save", "records"},
    "colleague": {"records"},
    "supervisor": {
        "note-with-reason",
        "note",
        "records",
        "dashboard",
        "export-csv",
        "export-xlsx",
        "api-report",
    },
    "statistician": {"dashboard", "export-csv", "export-xlsx", "api-report"},
    "administrator": {"dashboard", "export-csv", "export-xlsx", "api-report"},
    "anonymous": set(),
}
# Of the allowed, those that show the note's text.
SHOWS_NOTE = {"author": {"note", "note-with-reason", "form"}, "supervisor": {"note-with-reason"}}


def test_the_access_matrix_has_no_unauthorised_success(client):
    people = cast()
    call = make_call(people["author"])
    record = make_record(people["author"], call, note=CANARY)
    unauthorised, checked = [], 0
    for role, user in people.items():
        client.logout()
        if user is not None:
            log_in(client, user)
        for name, method, url, data in endpoints(record, call):
            response = getattr(client, method)(url, data or {})
            checked += 1
            body = response.content.decode(errors="replace") if not response.streaming else ""
            succeeded = response.status_code in (200, 204) or (
                response.status_code == 400 and name == "form-save"
            )
            if name not in ALLOWED[role] and succeeded:
                unauthorised.append((role, name, response.status_code))
            if CANARY in body and name not in SHOWS_NOTE.get(role, set()):
                unauthorised.append((role, name, "note shown"))
            if name in ALLOWED[role]:
                assert succeeded or response.status_code == 302, (role, name, response.status_code)
    assert checked == len(people) * 9
    assert unauthorised == []


def test_a_colleague_lists_only_their_own_records(client):
    people = cast()
    make_record(people["author"], note=CANARY, profession="pharmacien")
    log_in(client, people["colleague"])
    page = client.get("/espace/fiches/").content.decode()
    assert "Pharmacien" not in page and "Aucune fiche" in page


def test_during_a_call_a_colleague_sees_the_history_but_not_the_note_unless_the_policy_shares_it(client):
    people = cast()
    earlier = make_record(
        people["author"],
        make_call(people["author"], caller="device-b", ago=timedelta(days=2)),
        note=CANARY,
        reasons=("harcelement",),
    )
    make_call(people["colleague"], caller="device-b", state=CallState.CONNECTED, ago=timedelta(minutes=2))
    log_in(client, people["colleague"])
    panel = client.get("/espace/fiches/appel-en-cours/", HTTP_X_ECOUTE_PARTIAL="1").content.decode()
    assert "déjà appelé" in panel and "Sentiment de harcèlement" in panel and CANARY not in panel
    assert "motif demandé" not in panel
    assert client.post(f"/espace/fiches/{earlier.pk}/note/", REASON).status_code == 404

    NotePolicy.objects.update_or_create(pk=1, defaults={"share_with_other_listeners": True})
    panel = client.get("/espace/fiches/appel-en-cours/", HTTP_X_ECOUTE_PARTIAL="1").content.decode()
    assert CANARY not in panel and "motif demandé" in panel
    assert CANARY not in client.get(f"/espace/fiches/{earlier.pk}/note/").content.decode()
    assert CANARY in client.post(f"/espace/fiches/{earlier.pk}/note/", REASON).content.decode()


def test_the_author_sees_their_own_earlier_notes_during_the_call(client):
    people = cast()
    make_record(
        people["author"], make_call(people["author"], caller="device-c", ago=timedelta(days=7)), note=CANARY
    )
    make_call(people["author"], caller="device-c", state=CallState.CONNECTED, ago=timedelta(minutes=1))
    log_in(client, people["author"])
    panel = client.get("/espace/fiches/appel-en-cours/", HTTP_X_ECOUTE_PARTIAL="1").content.decode()
    assert CANARY in panel and "avec vous" in panel
