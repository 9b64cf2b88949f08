"""Every route that returns a note writes an audit row first; the audit can be read, never changed."""

import re
from datetime import UTC, timedelta

import pytest
from django.contrib.admin.sites import site as admin_site
from django.test import RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver

from ecoute.calls.models import CallState
from ecoute.contacts import actions
from ecoute.contacts.models import NoteRead
from tests.support.cast import make_psychologist
from tests.support.contacts import make_call, make_record, make_staff
from tests.support.twofactor import log_in

pytestmark = pytest.mark.django_db
CANARY = "CANARI-audit-4d1"


def every_route(resolver=None, prefix=""):
    """(route, pattern) of every URL of the platform, the admin and the API included."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            yield from every_route(entry, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry


def concrete(route: str, values: dict) -> str | None:
    """The route with its parameters filled with the objects of the test, or None if it cannot be."""
    path = route.lstrip("^").rstrip("$").replace("\\Z", "").replace("\\", "")
    for converter, name in re.findall(r"<(?:(\w+):)?(\w+)>", path):
        if name not in values:
            return None
        path = re.sub(rf"<(?:\w+:)?{name}>", str(values[name]), path)
    if re.search(r"[(?\[]", path):
        path = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: str(values.get(m.group(1), "")), path)
        if re.search(r"[(?\[]", path):
            return None
    return "/" + path


def test_every_route_that_shows_a_note_wrote_an_audit_row_for_it(client):
    claire = make_psychologist("Claire")
    earlier = make_record(claire, make_call(claire, caller="device-a"), note=f"{CANARY} précédent")
    current = make_call(claire, caller="device-a", state=CallState.CONNECTED, ago=timedelta(minutes=1))
    ended = make_call(claire)
    values = {
        "pk": earlier.pk,
        "call_id": earlier.call_id,
        "object_id": earlier.pk,
        "id": earlier.pk,
        "path": "x",
        "app_label": "contacts",
    }
    log_in(client, claire)
    showing, checked = [], 0
    for route, _pattern in every_route():
        url = concrete(route, values)
        if url is None:
            continue
        for headers in ({}, {"HTTP_X_ECOUTE_PARTIAL": "1"}):
            before = NoteRead.objects.filter(record=earlier).count()
            response = client.get(url, **headers)
            checked += 1
            body = b"".join(response.streaming_content) if response.streaming else response.content
            if CANARY.encode() in body:
                showing.append(url)
                assert NoteRead.objects.filter(record=earlier).count() > before, (
                    f"{url} showed a note without an audit row"
                )
    assert checked > 40
    # The author's own routes show it: the note page, the form to correct it, the history during a call.
    assert {
        "/espace/fiches/%d/note/" % earlier.pk,
        f"/espace/fiches/appel/{earlier.call_id}/",
        "/espace/fiches/appel-en-cours/",
    } <= set(showing)
    assert ended and current


def test_each_audit_row_says_who_when_which_and_why(client):
    claire, helene = make_psychologist("Claire"), make_staff("supervisor", "Hélène")
    record = make_record(claire, note=CANARY)
    log_in(client, helene)
    page = client.get(f"/espace/fiches/{record.pk}/note/")
    assert CANARY not in page.content.decode() and "Pourquoi" in page.content.decode()
    assert not NoteRead.objects.exists()
    refused = client.post(f"/espace/fiches/{record.pk}/note/", {"reason": ""})
    assert refused.status_code == 400 and CANARY not in refused.content.decode()
    shown = client.post(f"/espace/fiches/{record.pk}/note/", {"reason": "Réunion de supervision du mardi"})
    assert CANARY in shown.content.decode()
    read = NoteRead.objects.get()
    assert (read.reader, read.record, read.reason.open(), read.place) == (
        helene,
        record,
        "Réunion de supervision du mardi",
        "page",
    )
    assert read.reason.token.startswith("gAAAA")  # the reason is stored encrypted
    assert read.read_at.utcoffset().total_seconds() == 0


def test_the_audit_cannot_be_changed_or_deleted_through_the_application(admin_user):
    claire = make_psychologist("Claire")
    record = make_record(claire, note=CANARY)
    actions.read_note(claire, record, "relecture", "page")
    read = NoteRead.objects.get()
    read.reason = "autre chose"
    with pytest.raises(PermissionError):
        read.save()
    with pytest.raises(PermissionError):
        read.delete()
    with pytest.raises(PermissionError):
        NoteRead.objects.all().delete()
    with pytest.raises(PermissionError):
        NoteRead.objects.update(reason="effacé")
    request = RequestFactory().get("/admin/")
    request.user = admin_user
    model_admin = admin_site._registry[NoteRead]
    assert model_admin.has_view_permission(request)
    assert not (
        model_admin.has_add_permission(request)
        or model_admin.has_change_permission(request, read)
        or model_admin.has_delete_permission(request, read)
    )
    assert NoteRead.objects.get().reason.open() == "relecture"


def test_the_journal_says_in_which_time_it_shows_the_readings(client, django_user_model):
    """The admin shows local time (its date filters count Paris days): the column says so, not "UTC"."""
    from datetime import datetime

    from django.urls import reverse

    claire = make_psychologist("Claire")
    record = make_record(claire, note=CANARY)
    NoteRead.objects.create(
        reader=claire,
        record=record,
        reason="relecture",
        place="page",
        read_at=datetime(2026, 7, 1, 12, 0, tzinfo=UTC),
    )
    log_in(
        client, django_user_model.objects.create_superuser("root", password="x" * 16, role="administrator")
    )
    page = client.get(reverse("admin:contacts_noteread_changelist")).content.decode()
    assert "heure de Paris" in page and "UTC" not in page
    assert "14:00" in page and "12:00" not in page  # 12:00 UTC is 14:00 in Paris in summer
