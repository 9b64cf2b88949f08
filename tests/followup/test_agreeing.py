"""The caller's « oui » (POST /appel/suivi/): every wrong input gets a clear answer and stores nothing."""

import json
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from ecoute.followup import proposals, push
from ecoute.followup.models import FollowUp, FollowUpCount
from ecoute.followup.views import AGREED_PER_SOURCE_HOUR
from tests.support.cast import make_psychologist

from .support import Browser, b64

pytestmark = pytest.mark.django_db
URL = "/appel/suivi/"
GOOD_SERVICE = "https://fcm.googleapis.com/fcm/send/abc"


@pytest.fixture(autouse=True)
def clean_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def proposal():
    return proposals.offer(make_psychologist("Claire").pk, timezone.now() + timedelta(days=1))


def post(client, body, content_type="application/json"):
    data = json.dumps(body) if isinstance(body, dict) else body
    return client.post(URL, data, content_type=content_type)


def test_agreeing_without_push_gives_the_link_and_counts_one_planned(client, proposal):
    response = post(client, {"proposal": proposal})
    assert response.status_code == 200
    answer = response.json()
    assert set(answer) == {
        "token",
        "link",
        "at",
        "expires_at",
        "psychologist_id",
        "psychologist_name",
        "reminder",
    }
    assert answer["link"] == "http://testserver/?suivi=" + answer["token"]
    assert not FollowUp.objects.get().reminder
    assert FollowUpCount.objects.get().count == 1 and FollowUpCount.objects.get().outcome == "planned"


def wrong_key(browser):
    return {**browser.subscription, "keys": {"p256dh": b64(b"\x04" + b"\x01" * 64), "auth": b64(b"a" * 16)}}


@pytest.mark.parametrize(
    ("make", "words"),
    [
        (lambda b: "not a subscription", "illisible"),
        (lambda b: {"endpoint": GOOD_SERVICE}, "illisible"),
        (lambda b: {**b.subscription, "endpoint": ""}, "adresse manquante"),
        (lambda b: {**b.subscription, "endpoint": "http://169.254.169.254/latest"}, "navigateur connu"),
        (
            lambda b: {**b.subscription, "endpoint": "https://fcm.googleapis.com.evil.example/x"},
            "navigateur connu",
        ),
        (lambda b: {**b.subscription, "endpoint": "https://fcm.googleapis.com@evil.example/x"}, "connu"),
        (lambda b: {**b.subscription, "endpoint": "https://fcm.googleapis.com:99999/x"}, "connu"),
        (lambda b: {**b.subscription, "endpoint": "ftp://fcm.googleapis.com/x"}, "connu"),
        (wrong_key, "clés invalides"),
        (lambda b: {**b.subscription, "keys": {**b.subscription["keys"], "auth": "***"}}, "clés invalides"),
        (
            lambda b: {**b.subscription, "keys": {**b.subscription["keys"], "auth": b64(b"short")}},
            "clés invalides",
        ),
    ],
)
def test_a_bad_subscription_gets_a_clear_error_and_leaves_the_proposal_to_answer_again(
    client, settings, proposal, make, words
):
    settings.ECOUTE_VAPID_PRIVATE_KEY = push.generate_private_key()
    response = post(client, {"proposal": proposal, "subscription": make(Browser(GOOD_SERVICE))})
    assert response.status_code == 400 and words in response.json()["error"]
    assert response.json()["code"] == "bad_subscription"
    assert not FollowUp.objects.exists() and not FollowUpCount.objects.exists()
    assert post(client, {"proposal": proposal}).status_code == 200  # answered again, without push


def test_push_is_refused_plainly_where_no_vapid_key_is_set(client, settings, proposal):
    settings.ECOUTE_VAPID_PRIVATE_KEY = ""
    response = post(client, {"proposal": proposal, "subscription": Browser(GOOD_SERVICE).subscription})
    assert response.status_code == 400 and response.json()["code"] == "push_off"
    assert not FollowUp.objects.exists()


@pytest.mark.parametrize(
    ("body", "content_type", "status", "words"),
    [
        ("proposal=x", "application/x-www-form-urlencoded", 400, "en JSON"),
        ("{not json", "application/json", 400, "en JSON"),
        ({"proposal": "x", "call_id": "3f2b"}, "application/json", 400, "en JSON"),
        ({"proposal": "x" * 5000}, "application/json", 400, "en JSON"),
        ({"proposal": "unknown" * 5}, "application/json", 409, "a expiré"),
        ({"proposal": None}, "application/json", 409, "a expiré"),
    ],
)
def test_a_wrong_body_gets_a_clear_error_and_stores_nothing(client, body, content_type, status, words):
    response = post(client, body, content_type)
    assert response.status_code == status and words in response.json()["error"]
    assert not FollowUp.objects.exists() and not FollowUpCount.objects.exists()


@pytest.mark.django_db(transaction=True)
async def test_one_network_cannot_fill_the_statistics_and_another_is_not_held_back():
    from asgiref.sync import sync_to_async
    from django.test import AsyncClient

    claire = await sync_to_async(make_psychologist)("Claire")
    hospital, elsewhere = (
        AsyncClient(**{"ecoute.source": "hospital"}),
        AsyncClient(**{"ecoute.source": "home"}),
    )

    async def agree(client):
        proposal = await sync_to_async(proposals.offer)(claire.pk, timezone.now())
        return await client.post(URL, json.dumps({"proposal": proposal}), content_type="application/json")

    codes = [(await agree(hospital)).status_code for _ in range(AGREED_PER_SOURCE_HOUR + 1)]
    assert codes == [200] * AGREED_PER_SOURCE_HOUR + [429]
    refused = await agree(hospital)
    assert refused.status_code == 429 and "Trop de suivis" in refused.json()["error"]
    assert (await agree(elsewhere)).status_code == 200
    assert await FollowUp.objects.acount() == AGREED_PER_SOURCE_HOUR + 1
