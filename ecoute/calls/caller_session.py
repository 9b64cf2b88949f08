"""What a caller's socket knows of its caller: one small object, not attributes over the consumer.

The device key said in hello, the psychologists tried (not offered again as "the next one free"),
and the one call in progress: whom it rings or connects, whether it waits in the queue, whether a
supervisor joined it, and the last place in the queue told (not told twice). The consumer
(ecoute/calls/consumers.py) changes it as its messages and the call's events come.
"""

import uuid
from dataclasses import dataclass, field, fields

from . import device_key

# What belongs to the call in progress, forgotten when it ends; the rest lasts as long as the socket.
_CALL_FIELDS = (
    "call_id",
    "psychologist_id",
    "supervisor_id",
    "connected",
    "queued",
    "urgent_marked",
    "last_position",
)


@dataclass
class CallerSession:
    key: str = ""  # the device key said in hello
    tried: list[int] = field(default_factory=list)
    call_id: uuid.UUID | None = None
    psychologist_id: int | None = None  # rung, or talking with the caller
    supervisor_id: int | None = None  # a supervisor who joined the call (warm transfer)
    connected: bool = False
    queued: bool = False
    urgent_marked: bool = False
    last_position: dict | None = None

    @property
    def device(self) -> str:
        """What the server keeps of the device key (its hash), empty before hello."""
        return device_key.hashed(self.key)

    def in_call(self) -> bool:
        """Ringing someone, talking, or waiting in the queue: no second call meanwhile."""
        return bool(self.call_id and (self.psychologist_id or self.queued))

    def waiting_in_queue(self) -> bool:
        return self.queued and not self.psychologist_id

    def forget_call(self) -> None:
        defaults = {f.name: f.default for f in fields(self) if f.name in _CALL_FIELDS}
        for name, value in defaults.items():
            setattr(self, name, value)

    def position_is_news(self, event: dict) -> bool:
        """Whether this queue.position says something new to the caller waiting; noted if so."""
        news = (
            self.waiting_in_queue() and event["call_id"] == str(self.call_id) and event != self.last_position
        )
        if news:
            self.last_position = event
        return news

    def follow(self, event: dict) -> None:
        """Keep up with an event about the call, relayed to the caller (ecoute/protocol/events.py)."""
        kind = event["type"]
        if kind == "call.ringing":
            self.psychologist_id = event["psychologist_id"]
        elif kind == "call.accepted":
            self.connected = True
        elif kind == "call.supervisor_left":
            self.supervisor_id = None
        elif kind == "call.handed_over":
            self.psychologist_id, self.supervisor_id = self.supervisor_id, None
        elif kind == "call.unanswered":
            self.psychologist_id = None
            if event["queued"]:  # back to its place in the queue (told again by the queue fan-out)
                self.last_position = None
