"""The referral card reaches the caller of that call only, and only from the psychologist talking to them."""

import uuid

import pytest
from channels.db import database_sync_to_async
from django.utils import timezone

from ecoute.calls.models import Call, CallState, Channel
from ecoute.directory.actions import ReferralError, send_referral_card
from tests.support.cast import make_outsider, make_psychologist
from tests.support.sockets import connect_caller, connect_workspace
from tests.support.twofactor import log_in

from .conftest import BORDEAUX, ensure_geography, make_entry


async def connected_call(user):
    """A caller and USER in a connected app call, through the real websockets: (caller, workspace, call_id)."""
    workspace = await connect_workspace(user)
    await workspace.send({"type": "status.set", "status": "available"})
    await workspace.expect("presence.self")
    caller = await connect_caller()
    await caller.send({"type": "call.request", "psychologist_id": user.pk})
    call_id = (await caller.expect("call.ringing"))["call_id"]
    await workspace.expect("call.ringing")
    await workspace.send({"type": "call.accept", "call_id": call_id})
    await caller.expect("call.accepted")
    return caller, workspace, call_id


@database_sync_to_async
def cast_and_entry():
    ensure_geography()
    entry = make_entry(
        "pro-1", BORDEAUX, name="Dr Claire Martin", phone="05 56 00 00 01", how_to_reach="Sur rendez-vous."
    )
    return make_psychologist("Claire"), make_psychologist("Karim"), entry


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_the_card_reaches_only_the_caller_of_that_call():
    claire, karim, entry = await cast_and_entry()
    caller, claire_workspace, call_id = await connected_call(claire)
    other_caller, karim_workspace, _ = await connected_call(karim)
    watcher = await connect_caller("w" * 43)  # a caller on the board, in no call

    await database_sync_to_async(send_referral_card)(uuid.UUID(call_id), claire.pk, entry.pk)

    event = await caller.expect("referral.card")
    assert event["call_id"] == call_id
    card = event["card"]
    assert (card["entry_id"], card["name"], card["phone"], card["how_to_reach"]) == (
        entry.pk,
        "Dr Claire Martin",
        "05 56 00 00 01",
        "Sur rendez-vous.",
    )
    assert card["url"] == f"/orientation/{entry.pk}/"
    for socket in (other_caller, watcher, claire_workspace, karim_workspace):
        await socket.nothing_more("referral.card")


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_another_psychologist_cannot_send_a_card_into_a_call():
    claire, karim, entry = await cast_and_entry()
    caller, _, call_id = await connected_call(claire)
    with pytest.raises(ReferralError, match="pas en communication"):
        await database_sync_to_async(send_referral_card)(uuid.UUID(call_id), karim.pk, entry.pk)
    await caller.nothing_more("referral.card")


def _call(psychologist, state=CallState.CONNECTED, channel=Channel.APP) -> Call:
    return Call.objects.create(
        psychologist=psychologist, state=state, channel=channel, requested_at=timezone.now()
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    "state, channel, message",
    [
        (CallState.RINGING, Channel.APP, "pas en cours"),
        (CallState.ENDED, Channel.APP, "pas en cours"),
        (CallState.CONNECTED, Channel.PHONE, "téléphonique"),
    ],
)
def test_no_card_outside_a_connected_app_call(geography, state, channel, message):
    claire = make_psychologist("Claire")
    entry = make_entry("pro-1", BORDEAUX)
    with pytest.raises(ReferralError, match=message):
        send_referral_card(_call(claire, state, channel).pk, claire.pk, entry.pk)


@pytest.mark.django_db
def test_no_card_for_an_unpublished_entry(geography):
    claire = make_psychologist("Claire")
    entry = make_entry("pro-1", BORDEAUX, published=False)
    with pytest.raises(ReferralError, match="plus publiée"):
        send_referral_card(_call(claire).pk, claire.pk, entry.pk)


@pytest.mark.django_db
def test_the_send_view_is_for_listeners_only_and_uses_their_current_call(
    client, geography, django_capture_on_commit_callbacks
):
    entry = make_entry("pro-1", BORDEAUX)
    url = "/espace/orientation/envoyer/"
    assert client.post(url, {"entry_id": entry.pk}).status_code == 302  # to the login page
    log_in(client, make_outsider())
    assert client.post(url, {"entry_id": entry.pk}).status_code == 403
    claire = make_psychologist("Claire")
    log_in(client, claire)
    assert client.get(url).status_code == 405
    response = client.post(url, {"entry_id": entry.pk})
    assert response.status_code == 409 and "Aucun appel en cours" in response.json()["error"]
    call = _call(claire)
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(url, {"entry_id": entry.pk})
    assert (
        response.status_code == 200
        and response.json()["card"]["entry_id"] == entry.pk
        and len(callbacks) == 1
    )
    assert client.post(url, {"entry_id": "abc"}).status_code == 400
    assert client.post(url, {"entry_id": entry.pk, "call_id": str(uuid.uuid4())}).status_code == 409
    assert call.state == CallState.CONNECTED


@pytest.mark.django_db
def test_the_side_panel_searches_for_listeners(client, geography):
    make_entry("pro-1", BORDEAUX, name="Dr Claire Martin")
    log_in(client, make_psychologist("Claire"))
    page = client.get("/espace/orientation/", {"q": "33000"}).content.decode()
    assert (
        "Dr Claire Martin" in page and "data-send-card" in page and "disabled" in page
    )  # no call now: nothing to send
    response = client.get("/espace/orientation/", {"q": ""})
    assert response.status_code == 400 and "Indiquez un code postal" in response.content.decode()


# --- What is noted or sent during the call pre-fills its record ------------------------------------


@pytest.mark.django_db
def test_a_noted_orientation_and_a_sent_card_prefill_the_record_after_hang_up(client):
    import re

    from django.urls import reverse

    from ecoute.calls import actions as line
    from ecoute.contacts.models import ContactRecord, Orientation
    from ecoute.directory.models import Referral
    from ecoute.presence.models import Status
    from tests.contacts.test_contact_form import form_post
    from tests.support.contacts import call_through_the_line, ensure_taxonomies

    ensure_taxonomies()
    ensure_geography()
    psychologist = make_entry("pro-1", BORDEAUX, name="Dr Claire Martin")
    unit = make_entry("unit-1", BORDEAUX, kind="unit", name="Unité des soignants, Bordeaux")
    claire = make_psychologist("Claire", status=Status.AVAILABLE)
    call = call_through_the_line(claire, hang_up=False)
    log_in(client, claire)

    noted = client.post(reverse("directory:note_orientation"), {"entry_id": psychologist.pk})
    assert noted.status_code == 200 and noted.json()["call_id"] == str(call.pk)
    assert client.post(reverse("directory:send_card"), {"entry_id": unit.pk}).status_code == 200
    assert set(Referral.objects.filter(call=call, psychologist=claire).values_list("entry_id", "sent")) == {
        (psychologist.pk, False),
        (unit.pk, True),
    }
    line.psychologist_hangs_up(call.pk, claire.pk)

    page = client.get(reverse("contacts:record_call", args=[call.pk])).content.decode()
    for entry in (psychologist, unit):
        assert re.search(rf'<option value="{entry.pk}"[^>]*selected', page), entry.name
    for code in ("psychologue-reseau", "unite-dediee"):
        term = Orientation.objects.get(code=code)
        assert re.search(rf'value="{term.pk}"[^>]*checked', page), code

    posted = {
        **form_post(),
        "directory_entries": [psychologist.pk, unit.pk],
        "orientations": list(
            Orientation.objects.filter(code__in=["psychologue-reseau", "unite-dediee"]).values_list(
                "pk", flat=True
            )
        ),
    }
    assert client.post(reverse("contacts:record_call", args=[call.pk]), posted).status_code == 302
    record = ContactRecord.objects.get(call=call)
    assert set(record.directory_entries.all()) == {psychologist, unit}
    assert not Referral.objects.exists(), "the record holds the addresses now: the working memory is gone"


@pytest.mark.django_db
def test_an_orientation_is_noted_only_for_ones_own_call(client):
    from django.urls import reverse

    from ecoute.directory.models import Referral

    ensure_geography()
    entry = make_entry("pro-1", BORDEAUX)
    log_in(client, make_psychologist("Claire"))
    refused = client.post(reverse("directory:note_orientation"), {"entry_id": entry.pk})
    assert refused.status_code == 409 and "Aucun appel en cours" in refused.json()["error"]
    assert client.post(reverse("directory:note_orientation"), {"entry_id": "x"}).status_code == 400
    assert not Referral.objects.exists()
