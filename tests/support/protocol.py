"""Every event a test receives is checked against its shape in ecoute/protocol/events.py."""

from ecoute.protocol.events import SHAPES, SOCKET_PATHS
from ecoute.protocol.shapes import mismatches

_SOCKET_OF_PATH = {path: socket for socket, path in SOCKET_PATHS.items()}


def socket_of(path: str) -> str | None:
    """The protocol's name of the socket at PATH (None for a path that is not one of the line's)."""
    return _SOCKET_OF_PATH.get(path)


def check_event(socket: str | None, event: dict) -> dict:
    """EVENT as received on SOCKET, once it is known to have the shape the protocol gives it."""
    if socket is None:
        return event
    shape = SHAPES.get((socket, event.get("type")))
    assert shape is not None, f"the {socket} socket sent an event the protocol does not know: {event}"
    problems = mismatches(event, shape.fields, shape.optional)
    assert not problems, f"{event['type']!r} on the {socket} socket: {'; '.join(problems)} in {event}"
    return event
