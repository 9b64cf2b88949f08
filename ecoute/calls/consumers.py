"""The two websockets of the line: the caller's (public, anonymous) and the psychologist's workspace."""

import re
import uuid

from channels.db import database_sync_to_async
from django.conf import settings

from ecoute.accounts.twofactor import session_is_verified
from ecoute.lib.realtime import caller_group, staff_group
from ecoute.lib.sockets import JsonSocket, MessageError, require_int, require_uuid
from ecoute.presence import actions as presence
from ecoute.presence.actions import PresenceError
from ecoute.presence.fanout import board_fanout
from ecoute.presence.queries import board_snapshot

from . import actions, queries
from .actions import CallError
from .ice import relay_only
from .models import EndReason
from .signalling import SignalError, clean_signal

_CALLER_KEY = re.compile(r"^[A-Za-z0-9_-]{32,128}$")


class CallerSocket(JsonSocket):
    """The public app: watches the board, places one call at a time, relays its signalling."""

    message_types = ("hello", "call.request", "call.hangup", "signal")
    expected_errors = (CallError, SignalError)

    async def connect(self):
        self.caller_key = ""
        self.call_id: uuid.UUID | None = None
        self.psychologist_id: int | None = None
        self.connected = False
        self.tried: list[int] = []
        await self.accept()
        await board_fanout.watch(self)
        await self.send_event(await database_sync_to_async(board_snapshot)())

    async def disconnect(self, code):
        board_fanout.unwatch(self)
        if self.call_id:
            await self._leave_call(EndReason.CALLER_LOST)

    async def on_hello(self, message):
        key = message.get("caller_key")
        if not isinstance(key, str) or not _CALLER_KEY.match(key):
            raise MessageError("bad_message", "Clé d'appelant invalide.")
        self.caller_key = key
        mine = await database_sync_to_async(queries.psychologists_of_caller)(actions.hash_caller_key(key))
        await self.send_event({"type": "hello", "my_psychologists": mine})

    async def on_call_request(self, message):
        psychologist_id = require_int(message, "psychologist_id")
        if self.call_id and self.psychologist_id:
            raise MessageError("already_in_call", "Un appel est déjà en cours.")
        new_call = self.call_id is None
        if new_call:
            self.call_id = uuid.uuid4()
            await self.channel_layer.group_add(caller_group(self.call_id), self.channel_name)
        try:
            await database_sync_to_async(actions.ring_psychologist)(self.call_id, psychologist_id, self.caller_key)
        except actions.PsychologistBusy:
            if new_call:
                await self._forget_call()
            self.tried.append(psychologist_id)
            await self.send_event({"type": "call.busy", "psychologist_id": psychologist_id, **await self._next_steps()})
            return
        self.psychologist_id = psychologist_id
        self.tried.append(psychologist_id)

    async def on_call_hangup(self, message):
        self._require_current_call(message)
        await self._leave_call(EndReason.CALLER_LEFT)

    async def on_signal(self, message):
        self._require_current_call(message)
        if not self.connected:
            raise MessageError("not_connected", "L'appel n'est pas encore décroché.")
        signal = clean_signal(message.get("signal"), relay_only())
        await self.channel_layer.group_send(
            staff_group(self.psychologist_id),
            {"type": "relay", "event": {"type": "signal", "call_id": str(self.call_id), "signal": signal}},
        )

    async def before_relay(self, event):
        kind = event["type"]
        if kind == "call.accepted":
            self.connected = True
        elif kind == "call.unanswered":
            self.psychologist_id = None
            event.update(await self._next_steps())
        elif kind == "call.ended":
            await self._forget_call()

    def _require_current_call(self, message) -> None:
        if require_uuid(message, "call_id") != self.call_id:
            raise MessageError("not_your_call", "Cet appel n'est pas le vôtre.")

    async def _leave_call(self, reason: str) -> None:
        try:
            await database_sync_to_async(actions.caller_leaves)(self.call_id, reason)
        except CallError:
            pass  # already over: nothing left to end
        await self._forget_call()

    async def _forget_call(self) -> None:
        if self.call_id:
            await self.channel_layer.group_discard(caller_group(self.call_id), self.channel_name)
        self.call_id, self.psychologist_id, self.connected = None, None, False

    async def _next_steps(self) -> dict:
        """Never a dead end: the next available psychologist, or the phone line."""
        alternative = await database_sync_to_async(queries.suggest_psychologist)(self.tried)
        return {"alternative": alternative, "phone": settings.ECOUTE_PHONE_NUMBER}


class WorkspaceSocket(JsonSocket):
    """A psychologist's workspace: presence, ringing, the call and its signalling.

    Only one window speaks for a psychologist at a time; opening the workspace elsewhere takes over.
    """

    message_types = ("status.set", "call.accept", "call.decline", "call.hangup", "signal", "heartbeat")
    expected_errors = (CallError, PresenceError, SignalError)

    async def connect(self):
        user = self.scope.get("user")
        # A listener whose session passed the second factor, as for every staff page.
        may_listen = lambda: user.is_listener and session_is_verified(user, self.scope.get("session"))  # noqa: E731
        if user is None or not user.is_authenticated or not await database_sync_to_async(may_listen)():
            await self.close(code=4403)
            return
        self.user_id = user.pk
        self.call_id: uuid.UUID | None = None
        await self.accept()
        await self.channel_layer.group_send(staff_group(self.user_id), {"type": "session.takeover", "session": self.channel_name})
        await self.channel_layer.group_add(staff_group(self.user_id), self.channel_name)
        await database_sync_to_async(presence.open_session)(self.user_id, self.channel_name)

    async def disconnect(self, code):
        if not hasattr(self, "user_id"):
            return
        await self.channel_layer.group_discard(staff_group(self.user_id), self.channel_name)
        await database_sync_to_async(actions.workspace_closed)(self.user_id, self.channel_name)

    async def session_takeover(self, message):
        if message["session"] != self.channel_name:
            await self.send_event({"type": "session.replaced"})
            await self.close(code=4409)

    async def on_status_set(self, message):
        status = message.get("status")
        if not isinstance(status, str):
            raise MessageError("bad_message", "« status » manquant.")
        await database_sync_to_async(presence.choose_status)(self.user_id, self.channel_name, status)

    async def on_heartbeat(self, message):
        if not await database_sync_to_async(presence.heartbeat)(self.user_id, self.channel_name):
            await self.send_event({"type": "session.replaced"})
            await self.close(code=4409)

    async def on_call_accept(self, message):
        call_id = require_uuid(message, "call_id")
        await database_sync_to_async(actions.accept)(call_id, self.user_id)
        self.call_id = call_id

    async def on_call_decline(self, message):
        await database_sync_to_async(actions.decline)(require_uuid(message, "call_id"), self.user_id)

    async def on_call_hangup(self, message):
        call_id = self._require_current_call(message)
        await database_sync_to_async(actions.psychologist_hangs_up)(call_id, self.user_id)

    async def on_signal(self, message):
        call_id = self._require_current_call(message)
        signal = clean_signal(message.get("signal"), relay_only())
        await self.channel_layer.group_send(
            caller_group(call_id), {"type": "relay", "event": {"type": "signal", "call_id": str(call_id), "signal": signal}}
        )

    async def before_relay(self, event):
        if event["type"] == "call.ended" and event.get("call_id") == str(self.call_id):
            self.call_id = None

    def _require_current_call(self, message) -> uuid.UUID:
        call_id = require_uuid(message, "call_id")
        if call_id != self.call_id:
            raise MessageError("not_your_call", "Vous n'êtes pas en communication sur cet appel.")
        return call_id
