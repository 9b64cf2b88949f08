"""A follow-up for an app caller: proposed from the workspace, agreed in the app, kept by the link back.

Driven through the real sockets and the real HTTP endpoint; what the server keeps is checked to hold
nothing about the caller."""

import json
from datetime import timedelta

import pytest
from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from django.db import connection
from django.test import Client
from django.utils import timezone

from ecoute.followup import actions
from ecoute.followup.models import FollowUp, FollowUpCount
from tests.calls.test_sockets import available, connected_call, psychologist
from tests.support.sockets import connect_caller

from .support import in_a_day

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


def agree(body) -> tuple[int, dict]:
    response = Client().post("/appel/suivi/", json.dumps(body), content_type="application/json")
    return response.status_code, response.json()


def counts() -> dict:
    return {(c.channel, c.outcome): c.count for c in FollowUpCount.objects.all()}


async def test_a_follow_up_proposed_during_the_call_is_agreed_in_the_app_and_the_link_brings_back_the_same_psychologist():
    claire = await psychologist("Claire")
    caller, workspace, call_id = await connected_call(claire)
    at = in_a_day()
    await workspace.send({"type": "follow_up.propose", "call_id": call_id, "at": at})
    assert await workspace.expect("follow_up.sent") == {
        "type": "follow_up.sent",
        "call_id": call_id,
        "at": at,
    }
    proposed = await caller.expect("follow_up.proposed")
    assert proposed["call_id"] == call_id and proposed["at"] == at

    status, answer = await sync_to_async(agree)({"proposal": proposed["proposal"]})
    assert (
        status == 200 and answer["psychologist_id"] == claire.pk and answer["psychologist_name"] == "Claire"
    )
    assert answer["link"].endswith("/?suivi=" + answer["token"]) and answer["reminder"] is False
    row = await database_sync_to_async(FollowUp.objects.get)()
    assert row.token_hash == actions.token_hash(answer["token"]) and answer["token"] not in row.token_hash
    # Nothing that could say who the caller is, or which call it was.
    columns = await database_sync_to_async(table_columns)("followup_followup")
    assert columns == {
        "id",
        "token_hash",
        "psychologist_id",
        "at",
        "expires_at",
        "reminder",
        "reminder_tries",
    }
    assert await sync_to_async(agree)({"proposal": proposed["proposal"]}) == (
        409,
        {"error": "Cette proposition de suivi a expiré ou a déjà reçu une réponse.", "code": "proposal_gone"},
    )

    await workspace.send({"type": "call.hangup", "call_id": call_id})
    await workspace.expect("call.ended")
    back = await connect_caller(
        "d" * 43
    )  # another device: the link alone says whom (in her wrap-up: not free)
    await back.send({"type": "follow_up.redeem", "token": answer["token"]})
    redeemed = await back.expect("follow_up.redeemed")
    assert redeemed == {"type": "follow_up.redeemed", "psychologist_id": claire.pk, "available": False}
    assert not await database_sync_to_async(FollowUp.objects.exists)()
    assert await database_sync_to_async(counts)() == {("app", "planned"): 1, ("app", "kept"): 1}

    await back.send({"type": "follow_up.redeem", "token": answer["token"]})  # a link works once
    error = await back.expect("error")
    assert error["code"] == "follow_up_unknown" and "expiré ou a déjà servi" in error["message"]


def table_columns(table: str) -> set[str]:
    with connection.cursor() as cursor:
        return {col.name for col in connection.introspection.get_table_description(cursor, table)}


async def test_a_follow_up_proposed_in_the_wrap_up_still_reaches_the_callers_app():
    claire = await psychologist("Claire")
    caller, workspace, call_id = await connected_call(claire)
    await workspace.send({"type": "call.hangup", "call_id": call_id})
    await caller.expect("call.ended")
    await workspace.send({"type": "follow_up.propose", "call_id": call_id, "at": in_a_day()})
    await workspace.expect("follow_up.sent")
    assert (await caller.expect("follow_up.proposed"))["call_id"] == call_id


async def test_when_the_psychologist_is_not_free_the_link_says_so_and_the_caller_gets_the_queue():
    claire = await psychologist("Claire")
    await database_sync_to_async(make_agreed)(claire, "t" * 43)
    back = await connect_caller()
    await back.send({"type": "follow_up.redeem", "token": "t" * 43})
    assert await back.expect("follow_up.redeemed") == {
        "type": "follow_up.redeemed",
        "psychologist_id": claire.pk,
        "available": False,
    }
    workspace = await available(claire)  # free again: a new link would say so
    await database_sync_to_async(make_agreed)(claire, "u" * 43)
    await back.send({"type": "follow_up.redeem", "token": "u" * 43})
    assert (await back.expect("follow_up.redeemed"))["available"] is True
    await workspace.close()


def make_agreed(psychologist, token: str, at=None, expires_at=None) -> FollowUp:
    at = at or timezone.now() + timedelta(hours=1)
    return FollowUp.objects.create(
        token_hash=actions.token_hash(token),
        psychologist=psychologist,
        at=at,
        expires_at=expires_at or at + timedelta(hours=72),
    )


async def test_an_expired_link_gets_a_clear_error_and_is_not_counted():
    claire = await psychologist("Claire")
    past = timezone.now() - timedelta(days=4)
    await database_sync_to_async(make_agreed)(
        claire, "e" * 43, at=past, expires_at=past + timedelta(hours=72)
    )
    back = await connect_caller()
    for token in ("e" * 43, "short", "x" * 200, 42):
        await back.send({"type": "follow_up.redeem", "token": token})
        error = await back.expect("error")
        assert error["code"] in ("follow_up_unknown", "bad_message"), token
    assert await database_sync_to_async(FollowUp.objects.count)() == 1  # left for the purge
    assert await database_sync_to_async(counts)() == {}


@pytest.mark.parametrize(
    ("at", "code", "words"),
    [
        ("demain 18h", "bad_message", "ISO 8601"),
        ("2026-12-03T18:30:00", "bad_message", "fuseau"),
        ("2001-01-01T10:00:00+00:00", "too_soon", "cinq minutes"),
        ("2099-01-01T10:00:00+00:00", "too_late", "jours"),
    ],
)
async def test_a_wrong_time_gets_a_clear_error_and_nothing_reaches_the_caller(at, code, words):
    claire = await psychologist("Claire")
    caller, workspace, call_id = await connected_call(claire)
    await workspace.send({"type": "follow_up.propose", "call_id": call_id, "at": at})
    error = await workspace.expect("error")
    assert error["code"] == code and words in error["message"]
    await caller.nothing_more("follow_up.proposed")


async def test_only_the_psychologist_of_a_recent_app_call_may_propose():
    claire, marc = await psychologist("Claire"), await psychologist("Marc")
    caller, workspace, call_id = await connected_call(claire)
    other = await available(marc)
    await other.send({"type": "follow_up.propose", "call_id": call_id, "at": in_a_day()})
    assert (await other.expect("error"))["code"] == "not_your_call"
    await database_sync_to_async(lambda: type_call(call_id, "phone"))()
    await workspace.send({"type": "follow_up.propose", "call_id": call_id, "at": in_a_day()})
    error = await workspace.expect("error")
    assert error["code"] == "app_only" and "code de suivi" in error["message"]
    await caller.nothing_more("follow_up.proposed")


def type_call(call_id, channel: str) -> None:
    from ecoute.calls.models import Call

    Call.objects.filter(pk=call_id).update(channel=channel)
