"""The abuse limits one by one: proof of work, the gate, grouped danger alerts, blocks, figures kept apart."""

import json
import time
import uuid

import pytest
from django.utils import timezone

from ecoute.abuse import blocks, gate, limits, proof_of_work
from ecoute.calls import actions, device_key, queue
from ecoute.calls.models import Alert, AlertKind, Call, CallState, EndReason
from ecoute.calls.supervision import alerts
from ecoute.calls.supervision import board as supervision_board
from ecoute.lib import clock
from ecoute.security.models import SecurityEvent, SecurityEventKind
from tests.support.contacts import make_staff

pytestmark = pytest.mark.django_db

HOSPITAL, OTHER = "a" * 32, "b" * 32
DEVICE = device_key.hashed("k" * 43)


def solved(challenge: dict) -> dict:
    return {**challenge, "number": proof_of_work.solve(challenge)}


def waiting_call(source: str = HOSPITAL, device: str = "k" * 43) -> uuid.UUID:
    call_id = uuid.uuid4()
    actions.enqueue(call_id, device)
    limits.remember_call(source, call_id)
    return call_id


# --- Proof of work ------------------------------------------------------------------------------


def test_a_proof_of_work_is_accepted_once_for_its_source_and_never_forged(settings):
    challenge = proof_of_work.challenge(HOSPITAL, 2000)
    assert proof_of_work.verify(solved(challenge), OTHER) == 0  # given to another source
    assert proof_of_work.verify({**solved(challenge), "number": -1}, HOSPITAL) == 0  # wrong answer
    assert (
        proof_of_work.verify({**solved(challenge), "salt": challenge["salt"].replace("2000", "9")}, HOSPITAL)
        == 0
    )  # tampered
    assert proof_of_work.verify(solved(challenge), HOSPITAL) == 2000
    assert proof_of_work.verify(solved(challenge), HOSPITAL) == 0  # used once only


def test_an_expired_proof_of_work_is_refused(monkeypatch):
    challenge = proof_of_work.challenge(HOSPITAL, 100)
    answer = solved(challenge)
    monkeypatch.setattr(time, "time", lambda: 10**10)
    assert proof_of_work.verify(answer, HOSPITAL) == 0


def test_the_proof_of_work_doubles_with_each_call_waiting_from_the_source(settings):
    settings.ECOUTE_ABUSE_POW_BASE = 20000
    assert [proof_of_work.difficulty(n) for n in range(5)] == [0, 20000, 40000, 80000, 160000]
    assert proof_of_work.difficulty(300) == proof_of_work.MAX_NUMBER  # hours of a phone's work, each
    assert proof_of_work.difficulty(0, flooding=True) == 320000  # a flooding source pays for every call


# --- The gate ----------------------------------------------------------------------------------


def test_the_first_call_of_a_source_is_free_the_second_needs_a_proof(settings):
    settings.ECOUTE_ABUSE_POW_BASE = 500
    assert gate.admit(DEVICE, (HOSPITAL,)) is False
    waiting_call()
    with pytest.raises(gate.Refused) as refused:
        gate.admit(DEVICE, (HOSPITAL,))
    event = refused.value.event()
    assert event["code"] == "proof_required" and event["phone"] and event["challenge"]["maxnumber"] == 500
    assert gate.admit(DEVICE, (HOSPITAL,), solved(event["challenge"])) is False
    assert gate.admit(DEVICE, (OTHER,)) is False  # another network: free


def test_a_source_trying_too_many_calls_is_held_back_behind_everyone(settings):
    settings.ECOUTE_ABUSE_CALLS_PER_SOURCE = 3
    flood = waiting_call(HOSPITAL)
    actions.mark_urgent(flood)
    genuine = waiting_call(OTHER)
    for _ in range(4):
        limits.source_tried(HOSPITAL)
    assert limits.is_flooding(HOSPITAL)
    assert Call.objects.get(pk=flood).held_back
    assert [call.pk for call in queue.waiting_calls()] == [genuine, flood]  # even urgent, it waits behind


def test_a_call_let_in_just_before_its_source_was_found_flooding_is_held_back_once_stored(settings):
    """The gate let the call through; the source was held back before the call's row existed."""
    settings.ECOUTE_ABUSE_CALLS_PER_SOURCE = 1
    late = uuid.uuid4()
    limits.remember_call(HOSPITAL, late)
    limits.source_tried(HOSPITAL)
    limits.source_tried(HOSPITAL)  # flooding now: the sweep finds no row for LATE yet
    actions.enqueue(late, "k" * 43)
    assert not Call.objects.get(pk=late).held_back
    limits.hold_back_if_flooding(HOSPITAL, late)
    assert Call.objects.get(pk=late).held_back
    limits.hold_back_if_flooding(OTHER, waiting_call(OTHER))
    assert not Call.objects.filter(held_back=True).exclude(pk=late).exists()


def test_a_device_placing_too_many_calls_is_told_calmly(settings):
    settings.ECOUTE_ABUSE_CALLS_PER_DEVICE = 2
    for _ in range(2):
        gate.admit(DEVICE, ())
    with pytest.raises(gate.Refused) as refused:
        gate.admit(DEVICE, ())
    assert refused.value.code == "too_many_calls" and refused.value.event()["phone"]


# --- Danger alerts ------------------------------------------------------------------------------


def test_danger_marks_of_one_source_make_one_line_on_the_board():
    calls = [waiting_call(HOSPITAL) for _ in range(12)]
    for call_id in calls:
        actions.mark_urgent(call_id, limits.alert_group(HOSPITAL))
    genuine = waiting_call(OTHER)
    actions.mark_urgent(genuine, limits.alert_group(OTHER))
    assert Alert.objects.filter(kind=AlertKind.DANGER).count() == 13  # each kept, for the audit
    lines = supervision_board.read()["alerts"]
    assert len(lines) == 2
    assert lines[1]["count"] == 12 and lines[1]["label"].startswith("12 appels urgents de la même source en ")
    assert lines[0]["count"] == 1 and lines[0]["label"] == str(AlertKind.DANGER.label)
    alerts.take(lines[1]["id"], make_staff("supervisor").pk)  # taking the line takes the group
    assert Alert.objects.filter(closed_at__isnull=True).count() == 1


def test_danger_is_marked_once_per_call():
    call_id = waiting_call()
    actions.mark_urgent(call_id)
    with pytest.raises(actions.AlreadyUrgent):
        actions.mark_urgent(call_id)
    assert Alert.objects.filter(kind=AlertKind.DANGER).count() == 1


def test_a_danger_alert_closes_by_itself_once_the_caller_no_longer_waits():
    gone, still = waiting_call(), waiting_call(OTHER)
    actions.mark_urgent(gone)
    actions.mark_urgent(still)
    actions.caller_leaves(gone)
    alerts.raise_due_alerts(clock.now())
    assert list(
        Alert.objects.filter(kind=AlertKind.DANGER, closed_at__isnull=True).values_list("call_id", flat=True)
    ) == [still]


# --- Blocks --------------------------------------------------------------------------------------


def test_blocking_a_device_ends_its_waiting_calls_and_is_journalled_without_a_hash():
    supervisor = make_staff("supervisor")
    call_id = waiting_call()
    assert blocks.block_call(call_id, "device", 4, supervisor) == 1
    call = Call.objects.get(pk=call_id)
    assert call.state == CallState.ABANDONED and call.end_reason == EndReason.BLOCKED
    with pytest.raises(gate.Refused) as refused:
        gate.admit(DEVICE, (OTHER,))
    assert refused.value.code == "blocked"
    event = SecurityEvent.objects.get(kind=SecurityEventKind.BLOCK)
    assert event.actor == supervisor and event.details == {"scope": "device", "hours": 4, "ended": 1}
    assert DEVICE not in json.dumps(event.details) + event.summary and HOSPITAL not in event.summary


def test_blocking_a_source_holds_across_the_daily_key_rotation():
    call_id = waiting_call(HOSPITAL)
    blocks.block_call(call_id, "source", 24, make_staff("supervisor"))
    with pytest.raises(gate.Refused):
        gate.admit("", ("c" * 32, HOSPITAL))  # today's hash is new; yesterday's is the blocked one
    gate.admit("", (OTHER,))


def test_a_block_lasts_one_to_24_hours():
    call_id = waiting_call()
    for hours in (0, 25, "24"):
        with pytest.raises(blocks.BlockError):
            blocks.block_call(call_id, "device", hours, make_staff("supervisor"))


def test_calls_blocked_or_refused_as_abuse_are_counted_apart_from_the_service_figures():
    answered_before = supervision_board.today_figures(clock.now())
    blocks.block_call(waiting_call(), "device", 1, make_staff("supervisor"))
    limits.refused()
    figures = supervision_board.today_figures(clock.now())
    assert (
        figures["offered"] == answered_before["offered"]
        and figures["abandoned"] == answered_before["abandoned"]
    )
    assert figures["abuse"] == 2


def test_the_alert_group_marker_is_random_and_lasts_while_marks_keep_coming(settings):
    first = limits.alert_group(HOSPITAL)
    assert first == limits.alert_group(HOSPITAL) and first != limits.alert_group(OTHER)
    assert HOSPITAL not in first and len(first) == 16


def test_the_board_offers_to_block_a_waiting_call_and_shows_the_abuse_figure_apart(client):
    from tests.support.twofactor import log_in

    waiting_call()
    log_in(client, make_staff("supervisor"))
    page = client.get("/supervision/tableau/").content.decode()
    assert "Bloquer cet appareil" in page and "Bloquer cette source" in page and 'data-figure="abuse"' in page


def test_the_statistics_answer_rate_leaves_blocked_calls_out():
    from ecoute.stats.figures import Period, _service_level

    blocks.block_call(waiting_call(), "device", 1, make_staff("supervisor"))
    actions.caller_leaves(waiting_call(OTHER, "z" * 43))
    today = timezone.localdate()
    assert _service_level(Period(today, today), 0) == {"answered": 0, "abandoned": 1, "answer_rate": 0.0}


def test_calls_arriving_together_from_one_source_share_a_single_free_place():
    """Nothing waits yet when they all arrive: only the first is free, the others are asked a proof."""
    assert gate.admit("", (HOSPITAL,)) is False
    for _ in range(3):
        with pytest.raises(gate.Refused) as refused:
            gate.admit("", (HOSPITAL,))
        assert refused.value.code == "proof_required"
