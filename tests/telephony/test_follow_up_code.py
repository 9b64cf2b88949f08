"""The code de suivi given in the workspace: only for the phone call one is talking on."""

import pytest
from django.test import Client

from ecoute.calls.models import Call, CallState, Channel
from ecoute.lib import clock
from ecoute.telephony import follow_up
from ecoute.telephony.models import FollowUpCode
from tests.support.cast import make_psychologist
from tests.support.twofactor import verified_session_cookie

pytestmark = pytest.mark.django_db


def connected_call(psychologist, channel=Channel.PHONE) -> Call:
    now = clock.now()
    return Call.objects.create(
        channel=channel,
        state=CallState.CONNECTED,
        psychologist=psychologist,
        caller_key_hash="f" * 64,
        requested_at=now,
        answered_at=now,
    )


def client_of(user) -> Client:
    client = Client(enforce_csrf_checks=False)
    client.cookies["sessionid"] = verified_session_cookie(user)
    return client


def test_the_psychologist_of_a_phone_call_gets_six_digits_that_find_the_caller_again():
    claire = make_psychologist("Claire")
    call = connected_call(claire)
    answer = client_of(claire).post(f"/espace/appels/{call.pk}/code-de-suivi/")
    assert answer.status_code == 200
    code = answer.json()["code"]
    assert len(code) == 6 and code.isdigit()
    found = follow_up.find(code)
    assert found.caller_key_hash == call.caller_key_hash and found.psychologist == claire
    assert code not in FollowUpCode.objects.get().code_hash  # only a keyed hash of the digits is kept
    # A second press replaces the first code.
    again = client_of(claire).post(f"/espace/appels/{call.pk}/code-de-suivi/").json()["code"]
    assert FollowUpCode.objects.count() == 1 and (again == code or follow_up.find(code) is None)


@pytest.mark.parametrize("case", ["app call", "someone else's call", "ended call"])
def test_no_code_outside_ones_own_phone_call_in_progress(case):
    claire, amelie = make_psychologist("Claire"), make_psychologist("Amélie")
    call = connected_call(claire, Channel.APP if case == "app call" else Channel.PHONE)
    if case == "ended call":
        Call.objects.filter(pk=call.pk).update(state=CallState.ENDED)
    user = amelie if case == "someone else's call" else claire
    answer = client_of(user).post(f"/espace/appels/{call.pk}/code-de-suivi/")
    assert answer.status_code == 409 and answer.json()["error"]
    assert not FollowUpCode.objects.exists()


def test_only_a_post_from_a_listener():
    claire = make_psychologist("Claire")
    call = connected_call(claire)
    assert client_of(claire).get(f"/espace/appels/{call.pk}/code-de-suivi/").status_code == 405
    assert Client().post(f"/espace/appels/{call.pk}/code-de-suivi/").status_code in (302, 403)


@pytest.mark.parametrize("typed", ["12345", "1234567", "12a456", "", None, 123456])
def test_malformed_codes_find_nothing(typed):
    assert follow_up.find(typed) is None
