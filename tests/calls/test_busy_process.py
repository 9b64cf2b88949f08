"""A server process whose database thread runs behind (a busy machine) still answers its callers.

Each process does its database work in one thread, in arrival order. Here that thread is held busy
on purpose (a gate), as CPU contention holds it for seconds, and the line must not count an answer
given in time as missed, nor keep a socket's messages waiting behind its own heartbeats.
"""

import asyncio
import threading
import uuid
from datetime import timedelta

import pytest
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.core.cache import cache
from django.utils import timezone

from ecoute.calls import actions, queries, router, timers
from ecoute.calls.heartbeats import WRITE_EVERY_SECONDS
from ecoute.calls.models import Call, CallState, Ring, RingOutcome
from ecoute.lib import clock
from ecoute.lib.realtime import staff_group
from ecoute.presence.models import Presence, Status
from ecoute.protocol import events
from tests.support.cast import make_psychologist
from tests.support.sockets import connect_caller, connect_workspace

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


class BusyThread:
    """Holds the process's database thread until released, as other sockets' work would."""

    def __init__(self):
        self.gate = threading.Event()
        self.task = None

    async def __aenter__(self):
        self.task = asyncio.ensure_future(database_sync_to_async(self.gate.wait)())
        await asyncio.sleep(0.1)  # the thread is taken
        return self

    async def __aexit__(self, *exc):
        self.gate.set()
        await self.task


async def test_an_answer_that_reached_the_process_in_time_is_not_missed_because_its_thread_ran_late(settings):
    claire = await database_sync_to_async(make_psychologist)(status=Status.AVAILABLE)
    start = timezone.now()
    moment = [start]
    with clock.using(lambda: moment[0]):
        call = await database_sync_to_async(actions.ring_psychologist)(uuid.uuid4(), claire.pk)
        alive = start + timedelta(minutes=5)  # her window's heartbeats
        await database_sync_to_async(lambda: Presence.objects.filter(pk=claire.pk).update(last_seen=alive))()
        await database_sync_to_async(cache.delete)(timers.PASS_CLAIM_KEY)  # this process runs the pass
        async with BusyThread():
            moment[0] = start + timedelta(seconds=settings.ECOUTE_RING_TIMEOUT - 1)
            timers_pass = asyncio.ensure_future(timers.run_once())  # falls due with a second of ringing left
            answer = asyncio.ensure_future(
                database_sync_to_async(actions.accept)(call.pk, claire.pk)
            )  # she answers then
            await asyncio.sleep(0.1)
            moment[0] = start + timedelta(
                seconds=settings.ECOUTE_RING_TIMEOUT + 10
            )  # the thread gets to both late
        await asyncio.gather(timers_pass, answer)
    assert await database_sync_to_async(lambda: Call.objects.get(pk=call.pk).state)() == CallState.CONNECTED
    assert (
        await database_sync_to_async(lambda: Ring.objects.get(call_id=call.pk).outcome)()
        == RingOutcome.ACCEPTED
    )


async def test_a_ring_reaches_a_workspace_while_its_heartbeat_waits_for_the_database():
    claire = await database_sync_to_async(make_psychologist)(status=Status.AVAILABLE)
    workspace = await connect_workspace(claire)
    async with BusyThread():
        await workspace.send({"type": "heartbeat"})
        ring = events.listener_ringing(uuid.uuid4(), returning=False, urgent=False, phone=False)
        await get_channel_layer().group_send(staff_group(claire.pk), {"type": "relay", "event": ring})
        assert (await workspace.expect("call.ringing", timeout=1))["call_id"] == ring["call_id"]
    await workspace.close()


async def test_heartbeats_are_written_together_and_a_replaced_window_is_told_by_its_own():
    claire = await database_sync_to_async(make_psychologist)(status=Status.AVAILABLE)
    workspace = await connect_workspace(claire)
    caller = await connect_caller()
    await caller.send({"type": "queue.join"})
    call_id = (await caller.expect("queue.joined"))["call_id"]
    long_ago = timezone.now() - timedelta(minutes=5)
    await database_sync_to_async(lambda: Call.objects.filter(pk=call_id).update(caller_seen_at=long_ago))()
    await database_sync_to_async(lambda: Presence.objects.filter(pk=claire.pk).update(last_seen=long_ago))()

    await caller.send({"type": "heartbeat"})
    await workspace.send({"type": "heartbeat"})
    await asyncio.sleep(WRITE_EVERY_SECONDS + 0.5)
    assert await database_sync_to_async(lambda: Call.objects.get(pk=call_id).caller_seen_at)() > long_ago
    assert await database_sync_to_async(lambda: Presence.objects.get(pk=claire.pk).last_seen)() > long_ago

    # The timers marked her away (her window was silent): its next heartbeat learns it no longer speaks for her.
    await database_sync_to_async(lambda: Presence.objects.filter(pk=claire.pk).update(session=""))()
    await workspace.send({"type": "heartbeat"})
    await workspace.expect("session.replaced", timeout=WRITE_EVERY_SECONDS + 2)
    assert (await workspace.communicator.receive_output(2))["code"] == 4409
    await caller.close()


async def test_a_caller_resuming_as_their_call_rings_is_told_it_rings():
    def ring_after_reading() -> dict:
        claire = make_psychologist(status=Status.AVAILABLE)
        call = actions.enqueue(uuid.uuid4(), "k" * 43)
        read = Call.objects.get(pk=call.pk)  # the resume read the call waiting...
        router.route_waiting()  # ...and the router rang it before its place was read
        assert Call.objects.get(pk=call.pk).psychologist_id == claire.pk
        return queries.resume_event(read)

    event = await database_sync_to_async(ring_after_reading)()
    assert (event["type"], event["resumed"]) == ("call.ringing", True)
