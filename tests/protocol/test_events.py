"""The protocol's three descriptions agree: docs/protocol.md, the event builders and their shapes,
and the messages each socket accepts. (Every event the socket tests receive is checked against its
shape as well: tests/support/protocol.py.)"""

import ast
import inspect
import json
import re
from pathlib import Path

import pytest

from ecoute.protocol import events, messages
from ecoute.protocol.shapes import ListOf, Nullable, mismatches
from tests.support.protocol import check_event

DOC = Path(__file__).resolve().parents[2] / "docs" / "protocol.md"
SERVER, CLIENT = "server", "client"
ACCEPTED = {
    events.CALLER: messages.CALLER,
    events.WORKSPACE: messages.WORKSPACE,
    events.SUPERVISION: messages.SUPERVISION,
}
EVERY_SOCKET = tuple(events.SOCKET_PATHS)


def documented() -> dict[tuple[str, str, str], dict | None]:
    """(socket, direction, type) -> the example docs/protocol.md gives, for every message it describes."""
    found: dict = {}
    sockets, direction, current = (), None, None
    lines = DOC.read_text().splitlines()
    for number, line in enumerate(lines):
        if line.startswith("## "):
            paths = [s for s, path in events.SOCKET_PATHS.items() if f"`{path}`" in line]
            sockets, direction = (EVERY_SOCKET if "Every socket" in line else tuple(paths)), None
        elif line.startswith("### "):
            direction = SERVER if line.startswith("### Server") else CLIENT
        elif match := re.fullmatch(r"#### `([a-z_.]+)`", line):
            assert sockets and direction, f"docs/protocol.md line {number + 1}: a message outside a section"
            current = [(socket, direction, match.group(1)) for socket in sockets]
            for key in current:
                assert key not in found, f"{key} is described twice"
                found[key] = None
        elif line == "```json" and current:
            example = json.loads(lines[number + 1])
            for key in current:
                found[key] = example
            current = None
    return found


def test_every_event_the_server_sends_is_documented_and_every_documented_one_has_a_builder():
    described = {(socket, kind) for socket, direction, kind in documented() if direction == SERVER}
    built = set(events.BUILDERS)
    assert built - described == set(), "events built but not in docs/protocol.md"
    assert described - built == set(), "events in docs/protocol.md that no function builds"


def test_every_message_a_socket_accepts_is_documented_and_every_documented_one_is_accepted():
    described = {(socket, kind) for socket, direction, kind in documented() if direction == CLIENT}
    accepted = {(socket, kind) for socket, table in ACCEPTED.items() for kind in table}
    assert accepted - described == set(), "messages accepted but not in docs/protocol.md"
    assert described - accepted == set(), "messages in docs/protocol.md that no socket accepts"


def test_every_documented_message_has_an_example():
    assert [key for key, example in documented().items() if example is None] == []


@pytest.mark.parametrize(
    "socket,kind", sorted(events.SHAPES), ids=lambda value: value if isinstance(value, str) else None
)
def test_each_builder_makes_exactly_the_documented_example(socket, kind):
    """The builder, given the example's values, makes that example (optional fields it does not make
    aside), and the example fits the shape: a field added to or dropped from a builder, its shape
    or the page fails here."""
    example = documented()[socket, SERVER, kind]
    shape = events.SHAPES[socket, kind]
    assert example["type"] == kind
    assert mismatches(example, shape.fields, shape.optional) == [], "the example does not fit the shape"
    built = events.BUILDERS[socket, kind](**_arguments(events.BUILDERS[socket, kind], example))
    assert mismatches(built, shape.fields, shape.optional) == [], "the builder does not make its shape"
    left_aside = set(example) - set(built)
    assert left_aside <= set(shape.optional), f"the builder does not make {left_aside}"
    assert built == {name: value for name, value in example.items() if name in built}


def _arguments(builder, example: dict) -> dict:
    """The builder's arguments, read from the example's fields of the same name (a sender is "from")."""
    values = {"sender": example.get("from"), **example}
    arguments = {}
    for name, parameter in inspect.signature(builder).parameters.items():
        if parameter.kind is parameter.VAR_KEYWORD:
            arguments.update({k: v for k, v in example.items() if k not in ("type", "code", "message")})
        elif name in values:
            arguments[name] = values[name]
    return arguments


@pytest.mark.parametrize(
    "socket,kind",
    sorted((s, k) for s, table in ACCEPTED.items() for k in table),
    ids=lambda value: value if isinstance(value, str) else None,
)
def test_each_documented_client_message_is_accepted_with_every_field_it_shows(socket, kind):
    example = documented()[socket, CLIENT, kind]
    cleaned = messages.clean(ACCEPTED[socket], example)
    assert set(example) <= set(cleaned), "the page shows a field the server ignores"


def test_the_shapes_catch_a_field_added_dropped_or_of_the_wrong_kind():
    shape = events.SHAPES[events.CALLER, "call.ringing"]
    good = events.caller_ringing("3f2b8c1e-4a6d-4e8f-9b0a-1c2d3e4f5a6b", 12)
    assert mismatches(good, shape.fields, shape.optional) == []
    assert mismatches({**good, "name": "Claire"}, shape.fields, shape.optional) == ["unexpected 'name'"]
    dropped = {name: value for name, value in good.items() if name != "psychologist_id"}
    assert mismatches(dropped, shape.fields, shape.optional) == ["missing 'psychologist_id'"]
    assert mismatches({**good, "psychologist_id": True}, shape.fields, shape.optional) != []
    assert mismatches({**good, "resumed": True}, shape.fields, shape.optional) == []
    changes = {"changes": ListOf({"id": int})}
    assert mismatches({"changes": [{"id": 1}, {"id": "2"}]}, changes) != []
    assert mismatches({"waiting_for": None}, {"waiting_for": Nullable(int)}) == []


def test_the_socket_clients_of_the_tests_refuse_an_event_the_protocol_does_not_know():
    with pytest.raises(AssertionError, match="does not know"):
        check_event(events.CALLER, {"type": "call.ringing.twice"})
    with pytest.raises(AssertionError, match="unexpected 'returning'"):
        check_event(events.CALLER, events.listener_ringing("x", returning=True, urgent=False, phone=False))


SCRIPTS = {
    events.CALLER: "ecoute/calls/static/calls/line.js",
    events.WORKSPACE: "ecoute/calls/static/calls/workspace.js",
    events.SUPERVISION: "ecoute/calls/static/calls/supervision.js",
}


@pytest.mark.parametrize("socket", sorted(SCRIPTS))
def test_the_scripts_send_and_listen_for_what_the_protocol_has(socket):
    """The browser's side of each socket: every message it sends is one its socket accepts, every
    event it listens for is one its socket is sent."""
    script = (DOC.parents[1] / SCRIPTS[socket]).read_text()
    sent = set(re.findall(r'\{\s*type:\s*"([a-z_.]+)"', script))
    heard = set(re.findall(r'\.on\("([a-z_.]+)"', script))
    assert sent and heard, "the patterns no longer find the script's messages"
    assert sent - set(ACCEPTED[socket]) == set(), "sent by the script, refused by the server"
    assert heard - {kind for s, kind in events.SHAPES if s == socket} == set(), "never sent by the server"


# Clients of the line's sockets written in Python: what they write are messages to the server.
CLIENTS = {"agent.py"}  # ecoute/telephony/agent.py, the phone line's media agent


def test_no_module_but_the_protocol_writes_an_event_as_a_dict():
    """One home: an event built elsewhere (a dict with a "type" the protocol knows) could drift from its shape."""
    known = {kind for _, kind in events.SHAPES}
    root = DOC.parents[1] / "ecoute"
    found = []
    for path in sorted(root.rglob("*.py")):
        if path.parent.name == "protocol" or "migrations" in path.parts or path.name in CLIENTS:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Dict):
                for key, value in zip(node.keys, node.values, strict=True):
                    if _constant(key) == "type" and _constant(value) in known:
                        found.append(f"{path.relative_to(root.parent)}:{node.lineno} {_constant(value)}")
    assert found == [], "build these with ecoute/protocol/events.py"


def _constant(node):
    return node.value if isinstance(node, ast.Constant) else None
