"""Every message type of every websocket, with random field values (wrong types, huge or empty
texts, NUL, nesting, unknown identifiers, missing fields): each message is answered by an event or
an "error" event with a code, no exception escapes, the socket stays usable, and no call is left
in an impossible state.

Through Channels' communicator on the real ASGI application; Hypothesis draws the messages.
"""

import json
import uuid

import pytest
from channels.db import database_sync_to_async
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ecoute.accounts.models import Role
from ecoute.calls.consumers import CallerSocket, SupervisorSocket, WorkspaceSocket
from ecoute.calls.models import Call, CallState
from ecoute.presence.models import Presence, Status
from tests.support.cast import make_psychologist
from tests.support.contacts import make_call, make_staff
from tests.support.sockets import connect, connect_caller, connect_workspace

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]

FUZZ = settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
CURRENT = "$current"  # replaced, when sent, by the id of the call the socket last heard of
FIELDS = [
    "call_id",
    "psychologist_id",
    "caller_key",
    "language",
    "status",
    "kind",
    "reason",
    "signal",
    "to",
    "alert_id",
]

texts = st.one_of(
    st.text(max_size=20),
    st.text(max_size=3000),
    st.just("\x00"),
    st.just("a" * 70_000),
    st.sampled_from(
        [
            "available",
            "break",
            "offline",
            "help",
            "transfer",
            "callback",
            "fr",
            "en",
            "psychologist",
            "supervisor",
            "c" * 43,
            "",
            " ",
            "null",
            "NaN",
        ]
    ),
)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    texts,
    st.uuids().map(str),
    st.just(CURRENT),
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
signals = st.one_of(
    values,
    st.fixed_dictionaries(
        {
            "description": st.fixed_dictionaries(
                {"type": st.sampled_from(["offer", "answer", "pranswer"]), "sdp": texts}
            )
        }
    ),
    st.fixed_dictionaries(
        {
            "candidate": st.dictionaries(
                st.sampled_from(["candidate", "sdpMid", "sdpMLineIndex"]), values, max_size=3
            )
        }
    ),
)


def messages(types: tuple[str, ...]):
    """A message of one of TYPES whose fields are any subset of the known ones, with any values."""
    fields = st.dictionaries(st.sampled_from(FIELDS), values, max_size=4)
    return st.builds(
        lambda kind, drawn, signal: {
            "type": kind,
            **drawn,
            **({"signal": signal} if signal is not None else {}),
        },
        st.sampled_from(types),
        fields,
        st.one_of(st.none(), signals),
    )


raw_frames = st.one_of(
    st.text(min_size=1, max_size=200),
    st.just("[" * 5000 + "]" * 5000),
    st.just('{"type": ' + "[" * 3000),
    st.builds(
        lambda depth: json.dumps({"type": "heartbeat", "x": json.loads("[" * depth + "]" * depth)}),
        st.integers(1, 900),
    ),
)


class Probe:
    """Drives one socket: sends a message, then an unknown type that must come back as its error."""

    def __init__(self, socket):
        self.socket, self.current = socket, str(uuid.uuid4())

    def _fill(self, message: dict) -> dict:
        return {key: (self.current if value == CURRENT else value) for key, value in message.items()}

    async def send(self, message) -> list[dict]:
        await self.socket.send(self._fill(message) if isinstance(message, dict) else message)
        await self.socket.send({"type": "probe.after"})
        seen = []
        while True:
            event = await self.socket.receive(timeout=5)  # an exception in the consumer ends up here
            assert isinstance(event, dict) and isinstance(event.get("type"), str), event
            if event["type"] == "error":
                assert isinstance(event.get("code"), str) and event["code"] and event.get("message"), event
                if event["code"] == "unknown_type" and "probe.after" in event["message"]:
                    return seen  # the socket read everything sent before and is still answering
            if "call_id" in event:
                self.current = event["call_id"]
            seen.append(event)


def impossible_calls() -> list[str]:
    """Calls whose fields contradict their state."""
    wrong = (
        Call.objects.filter(state=CallState.CONNECTED, answered_at=None)
        | Call.objects.filter(state__in=[CallState.RINGING, CallState.CONNECTED], psychologist=None)
        | Call.objects.filter(state__in=[CallState.ENDED, CallState.ABANDONED], ended_at=None)
    )
    return [f"{call.pk} {call.state}" for call in wrong]


def check_database(untouched: Call) -> None:
    assert impossible_calls() == []
    assert Call.objects.get(pk=untouched.pk).state == untouched.state
    assert set(Presence.objects.values_list("status", flat=True)) <= set(Status.values)


@pytest.fixture
def cast(db, settings):
    # Every example places calls from one device and one address: the abuse limits (tests/abuse/) would
    # refuse them after a few, and this fuzz is about what each message does, not about how many.
    for name in (
        "ECOUTE_ABUSE_CALLS_PER_DEVICE",
        "ECOUTE_ABUSE_CALLS_PER_SOURCE",
        "ECOUTE_ABUSE_FREE_CALLS_PER_SOURCE",
        "ECOUTE_ABUSE_SOCKETS_PER_SOURCE",
        "ECOUTE_ABUSE_DANGER_PER_SOURCE",
    ):
        setattr(settings, name, 100000)
    claire = make_psychologist("Claire", status=Status.AVAILABLE)
    karim = make_psychologist("Karim")
    earlier = make_call(karim, caller="someone")
    return {
        "claire": claire,
        "karim": karim,
        "earlier": earlier,
        "supervisor": make_staff(Role.SUPERVISOR, "Hélène"),
    }


async def _run(socket, sequence) -> None:
    probe = Probe(socket)
    try:
        for message in sequence:
            await probe.send(message)
    finally:
        await socket.close()


@FUZZ
@given(
    sequence=st.lists(st.one_of(messages(tuple(CallerSocket.accepted)), raw_frames), min_size=1, max_size=6)
)
async def test_the_callers_socket_answers_anything(cast, sequence):
    await _run(await connect_caller(), sequence)
    await database_sync_to_async(check_database)(cast["earlier"])


@FUZZ
@given(
    sequence=st.lists(
        st.one_of(messages(tuple(WorkspaceSocket.accepted)), raw_frames), min_size=1, max_size=6
    )
)
async def test_the_workspace_socket_answers_anything(cast, sequence):
    await _run(await connect_workspace(cast["karim"]), sequence)
    await database_sync_to_async(check_database)(cast["earlier"])


@FUZZ
@given(
    sequence=st.lists(
        st.one_of(messages(tuple(SupervisorSocket.accepted)), raw_frames), min_size=1, max_size=6
    )
)
async def test_the_supervisors_socket_answers_anything(cast, sequence):
    await _run(await connect("/ws/supervision/", cast["supervisor"]), sequence)
    await database_sync_to_async(check_database)(cast["earlier"])


@FUZZ
@given(
    sequence=st.lists(
        messages(tuple(WorkspaceSocket.accepted) + tuple(CallerSocket.accepted)), min_size=1, max_size=6
    ),
    side=st.sampled_from(["workspace", "caller"]),
)
async def test_both_sides_of_a_call_in_progress_answer_anything(cast, sequence, side):
    """In a connected call, "$current" is the real call: escalations, emergencies, signals, hand-overs and hang-ups with any fields."""
    from tests.calls.test_sockets import connected_call

    psychologist = await database_sync_to_async(make_psychologist)("Sofia")
    caller, workspace, call_id = await connected_call(psychologist)
    probe = Probe(workspace if side == "workspace" else caller)
    probe.current = call_id
    try:
        for message in sequence:
            await probe.send(message)
    finally:
        await caller.close()
        await workspace.close()
    await database_sync_to_async(check_database)(cast["earlier"])
