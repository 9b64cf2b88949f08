"""The base of every Écoute websocket: JSON messages, strict validation, clear error events."""

import json
import logging
from types import SimpleNamespace

from channels.consumer import get_handler_name
from channels.generic.websocket import AsyncWebsocketConsumer
from django.utils import translation
from django.utils.translation import gettext

from ecoute.protocol import events, messages
from ecoute.protocol.messages import MessageError

logger = logging.getLogger(__name__)

MAX_FRAME_BYTES = 64 * 1024
# No message of the line nests deeper than 4 (a signal's candidate). A hostile one can nest 30,000
# deep in 64 KB: the JSON parser then stops with RecursionError, which must be a plain bad_json.
MAX_DEPTH = 20


def language_of(scope) -> str:
    """The language the socket's person chose for the pages (cookie, then browser), as LocaleMiddleware does."""
    headers = dict(scope.get("headers", ()))
    request = SimpleNamespace(
        COOKIES=scope.get("cookies", {}),
        META={"HTTP_ACCEPT_LANGUAGE": headers.get(b"accept-language", b"").decode("latin-1")},
    )
    return translation.get_language_from_request(request)


def _shape(value) -> tuple[int, bool]:
    """How deep arrays and objects nest in VALUE, and whether a text in it holds a NUL character.

    Without recursion: a deeply nested value would overflow it.
    """
    deepest, has_nul, pending = 0, False, [(value, 1)]
    while pending:
        value, depth = pending.pop()
        if isinstance(value, str):
            has_nul = has_nul or "\x00" in value
        elif isinstance(value, (dict, list)):
            deepest = max(deepest, depth)
            children = [*value.keys(), *value.values()] if isinstance(value, dict) else value
            pending.extend((child, depth + 1) for child in children)
    return deepest, has_nul


class JsonSocket(AsyncWebsocketConsumer):
    """Dispatch {"type": "x.y", ...} to the method on_x_y; anything else gets an "error" event.

    Subclasses name the messages they accept in `accepted` (a table of ecoute/protocol/messages.py),
    whose fields are checked and cleaned before the handler sees them, and list the exceptions
    their actions raise in `expected_errors`; those become error events carrying the exception's
    `code` and message. Everything else is a bug and is logged.
    """

    accepted: dict[str, dict[str, messages.Field]] = {}
    expected_errors: tuple[type[Exception], ...] = ()

    async def dispatch(self, message):
        """Channels' dispatch, without its trip to the database thread before every message.

        Channels first closes stale database connections, in the thread that does a process's
        database work, one job at a time. database_sync_to_async does so around each query already;
        that trip only put every message of every socket (a ring, a heartbeat) in the queue behind
        the process's database work, seconds long on a busy machine (tests/calls/test_busy_process.py).
        """
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def receive(self, text_data=None, bytes_data=None):
        # Error messages in the language of the pages: a websocket does not pass through LocaleMiddleware.
        with translation.override(language_of(self.scope)):
            try:
                message = self._parse(text_data, bytes_data)
                handler = getattr(self, "on_" + message["type"].replace(".", "_"))
                await handler(message)
            except MessageError as error:
                await self.send_error(error.code, str(error))
            except self.expected_errors as error:
                await self.send_error(getattr(error, "code", "refused"), str(error))

    def _parse(self, text_data, bytes_data) -> dict:
        if text_data is None:
            raise MessageError("bad_message", gettext("Seuls les messages texte JSON sont acceptés."))
        if len(text_data.encode()) > MAX_FRAME_BYTES:
            raise MessageError("too_large", gettext("Message trop long (64 Ko au plus)."))
        try:
            message = json.loads(text_data)
        except (ValueError, RecursionError):
            raise MessageError("bad_json", gettext("Message illisible : JSON invalide.")) from None
        depth, has_nul = _shape(message)
        if depth > MAX_DEPTH:
            raise MessageError(
                "too_deep",
                gettext("Message trop imbriqué (%(depth)d niveaux au plus).") % {"depth": MAX_DEPTH},
            )
        if has_nul:  # no message of the line holds one; PostgreSQL refuses it in any text
            raise MessageError("bad_message", gettext("Caractère nul dans le message."))
        if not isinstance(message, dict) or not isinstance(message.get("type"), str):
            raise MessageError("bad_message", gettext("Le message doit être un objet avec un « type »."))
        return messages.clean(self.accepted, message)

    async def send(self, text_data=None, bytes_data=None, close=False):
        """Channels' send, which drops the frame once the client has gone.

        Uvicorn raises ClientDisconnected (an OSError) on a send to a socket whose client closed
        while a handler ran: a phone caller who hangs up as the call starts to ring, an app closed
        during its first second. Raised, it would end the consumer there and then: what the client
        sent before closing (its hang-up) and disconnect() (which leaves the call and takes the
        socket off its source's count) would never run, leaving a call ringing on and a network
        one socket nearer to being held back. Those are next in the receive queue: they run as usual.
        """
        try:
            await super().send(text_data, bytes_data, close)
        except OSError:
            logger.debug("a frame for a socket whose client has gone was dropped")

    async def send_event(self, event: dict) -> None:
        await self.send(text_data=json.dumps(event))

    async def send_error(self, code: str, message: str) -> None:
        await self.send_event(events.error(code, message))

    async def relay(self, message: dict) -> None:
        """An event from the channel layer (see ecoute.lib.realtime)."""
        event = message["event"]
        with translation.override(language_of(self.scope)):
            await self.before_relay(event)
        await self.send_event(event)

    async def before_relay(self, event: dict) -> None:
        """Let a subclass update what it knows of its call before the event goes out."""
