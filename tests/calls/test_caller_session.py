"""What a caller's socket knows of its caller (ecoute/calls/caller_session.py)."""

import uuid

from ecoute.calls import device_key
from ecoute.calls.caller_session import CallerSession
from ecoute.protocol import events

KEY = "k" * 43


def test_a_call_that_ends_is_forgotten_but_not_the_device_nor_the_psychologists_tried():
    caller = CallerSession(key=KEY, tried=[4])
    caller.call_id, caller.queued, caller.urgent_marked = uuid.uuid4(), True, True
    assert caller.in_call() and caller.waiting_in_queue()
    caller.forget_call()
    assert not caller.in_call() and caller.call_id is None and not caller.urgent_marked
    assert caller.key == KEY and caller.tried == [4] and caller.device == device_key.hashed(KEY)


def test_the_call_follows_its_events_from_the_ring_to_the_hand_over():
    call_id = uuid.uuid4()
    caller = CallerSession(key=KEY, call_id=call_id, queued=True)
    caller.follow(events.caller_ringing(call_id, 12))
    assert caller.psychologist_id == 12 and not caller.waiting_in_queue()
    caller.follow(events.call_accepted(call_id, {"iceServers": [], "iceTransportPolicy": "all"}))
    assert caller.connected
    caller.supervisor_id = 30  # told by the socket, which reads it from the call
    caller.follow(events.call_handed_over(call_id))
    assert (caller.psychologist_id, caller.supervisor_id) == (30, None)


def test_a_place_in_the_queue_is_news_once_and_again_after_a_ring_that_went_unanswered():
    call_id = uuid.uuid4()
    caller = CallerSession(call_id=call_id, queued=True)
    place = events.queue_position(call_id, 2, 60, 5, False, None, False, None)
    assert caller.position_is_news(place) and not caller.position_is_news(place)
    caller.follow(events.caller_ringing(call_id, 12))
    assert not caller.position_is_news({**place, "position": 1})  # ringing: no place to tell
    caller.follow(events.call_unanswered(call_id, "declined", 12, queued=True))
    assert caller.position_is_news(place)  # back in the queue: told its place again
