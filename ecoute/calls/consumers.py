"""The two websockets of the line: the caller's (public, anonymous) and the psychologist's workspace."""

import re
import time
import uuid

from channels.db import database_sync_to_async
from django.conf import settings
from django.utils.translation import gettext

from ecoute.abuse import blocks, gate, limits
from ecoute.accounts import sessions
from ecoute.accounts.access import SUPERVISION_ROLES
from ecoute.accounts.twofactor import session_is_verified
from ecoute.lib.i18n import translated
from ecoute.lib.realtime import SUPERVISORS_GROUP, caller_group, staff_group
from ecoute.lib.sockets import JsonSocket, MessageError, require_int, require_uuid
from ecoute.lib.source import source_of, sources_of
from ecoute.presence import actions as presence
from ecoute.presence.actions import PresenceError
from ecoute.presence.fanout import board_fanout
from ecoute.presence.queries import board_snapshot, is_on_duty

from . import actions, alerts, queries, routing
from .actions import CallError
from .heartbeats import heartbeats
from .ice import relay_only
from .models import Call, CallState, Channel, EndReason
from .queue_fanout import queue_fanout
from .signalling import SignalError, clean_signal

_CALLER_KEY = re.compile(r"^[A-Za-z0-9_-]{32,128}$")
# A socket this many messages over its rate (ecoute/abuse/limits.py) is closed.
_OVERFLOW_CLOSE = 200


class CallerSocket(JsonSocket):
    """The public app: watches the board, places one call at a time, relays its signalling."""

    message_types = (
        "hello",
        "call.request",
        "call.hangup",
        "signal",
        "queue.join",
        "queue.urgent",
        "queue.anyone",
        "call.resume",
        "heartbeat",
    )
    expected_errors = (CallError, SignalError)
    channel = Channel.APP
    # The app shows the board of who is available; the phone's media agent has no use for it.
    watches_board = True

    async def connect(self):
        self.caller_key = ""
        self.sources = sources_of(self.scope)
        self.source = source_of(self.scope)
        self.messages, self.overflow, self.urgent_marked = limits.message_bucket(), 0, False
        self.calls = limits.call_bucket()  # calls placed by this connection, whatever device key it says
        self.call_id: uuid.UUID | None = None
        self.psychologist_id: int | None = None
        self.connected = False
        self.queued = False
        self.supervisor_id: int | None = None  # a supervisor who joined the call (warm transfer)
        self.tried: list[int] = []
        self._last_position: dict | None = None
        await self.accept()
        self.counted = await database_sync_to_async(limits.socket_opened)(self.source)
        if not self.counted:
            await self.send_event(
                gate.Refused(
                    "too_many_connections", gettext("Trop de connexions depuis votre réseau.")
                ).event()
            )
            await self.close(code=4429)
            return
        if self.watches_board:
            await board_fanout.watch(self)
            await self.send_event(await database_sync_to_async(board_snapshot)())

    async def disconnect(self, code):
        board_fanout.unwatch(self)
        queue_fanout.unwatch(self)
        if getattr(self, "counted", False):
            await database_sync_to_async(limits.socket_closed)(self.source)
        if self.call_id and not self._waiting_in_queue():
            await self._leave_call(EndReason.CALLER_LOST)
        # A caller waiting in the queue whose connection drops keeps their place: the app comes
        # back and resumes the call. If it does not, the timers abandon the call once the caller
        # has not been seen for ECOUTE_CALLER_TIMEOUT seconds (ecoute/calls/timers.py). Leaving
        # on purpose is an explicit hang-up.

    def _waiting_in_queue(self) -> bool:
        return self.queued and not self.psychologist_id

    async def receive(self, text_data=None, bytes_data=None):
        """Messages beyond the connection's rate are dropped with one calm answer; a flood closes the socket."""
        if self.messages.take():
            await super().receive(text_data, bytes_data)
            return
        self.overflow += 1
        if self.overflow > _OVERFLOW_CLOSE:
            await self.close(code=4429)
        elif self.overflow == 1 or self.overflow % 50 == 0:
            await self.send_event(
                gate.Refused("slow_down", gettext("Trop de messages : patientez un instant.")).event()
            )

    async def _admit(self, call_id: uuid.UUID, message: dict) -> bool | None:
        """The abuse gate for a new call (ecoute/abuse/gate.py): whether it is held back, or None if refused (the app is told)."""
        if not self.calls.take():
            await self.send_event(gate.too_many_calls().event())
            return None

        def admit():
            held_back = gate.admit(self.caller_key_hash(), self.sources, message.get("proof"))
            limits.remember_call(self.source, call_id)
            return held_back

        try:
            return await database_sync_to_async(admit)()
        except gate.Refused as refused:
            if refused.code == "proof_required":
                self.calls.tokens += 1  # not a call yet: the same call comes back with its proof
            await self.send_event(refused.event())
            return None

    async def on_hello(self, message):
        key = message.get("caller_key")
        if not isinstance(key, str) or not _CALLER_KEY.match(key):
            raise MessageError("bad_message", gettext("Clé d'appelant invalide."))
        self.caller_key = key
        mine = await database_sync_to_async(queries.psychologists_of_caller)(self.caller_key_hash())
        await self.send_event({"type": "hello", "my_psychologists": mine})

    def caller_key_hash(self) -> str:
        """What links this caller's calls: the hash of the app's device key (a phone caller's comes
        from a code de suivi, ecoute/telephony/socket.py)."""
        return actions.hash_caller_key(self.caller_key)

    async def on_call_request(self, message):
        psychologist_id = require_int(message, "psychologist_id")
        if self.call_id and (self.psychologist_id or self.queued):
            raise MessageError("already_in_call", gettext("Un appel est déjà en cours."))
        new_call = self.call_id is None
        if new_call:
            call_id = uuid.uuid4()
            if await self._admit(call_id, message) is None:
                return
            self.call_id = call_id
            await self.channel_layer.group_add(caller_group(self.call_id), self.channel_name)
        elif not self.calls.take():  # ringing someone again for the same call: counted too
            await self.send_event(gate.too_many_calls().event())
            return
        try:
            await database_sync_to_async(actions.ring_psychologist)(
                self.call_id, psychologist_id, self.caller_key
            )
        except actions.PsychologistBusy:
            if new_call:
                await self._forget_call()
            self.tried.append(psychologist_id)
            await self.send_event(
                {"type": "call.busy", "psychologist_id": psychologist_id, **await self._next_steps()}
            )
            return
        self.psychologist_id = psychologist_id
        self.tried.append(psychologist_id)

    async def on_call_hangup(self, message):
        self._require_current_call(message)
        await self._leave_call(EndReason.CALLER_LEFT)

    # --- The queue ("Parler à quelqu'un maintenant") ----------------------------------------------

    async def on_queue_join(self, message):
        """Talk to the first suitable listener free, optionally in a language, or wait for one's own psychologist."""
        if self.call_id and (self.psychologist_id or self.queued):
            raise MessageError("already_in_call", gettext("Un appel est déjà en cours."))
        language_id = await self._language_id(message.get("language"))
        preferred_id = await self._own_psychologist(message.get("psychologist_id"))
        call_id = self.call_id or uuid.uuid4()
        if "call_id" in message and not self.call_id:
            # The app may name its call itself, so that a join whose answer was lost with its server
            # process is simply resumed when sent again, never doubled.
            call_id = require_uuid(message, "call_id")
            if await database_sync_to_async(Call.objects.filter(pk=call_id).exists)():
                await self.on_call_resume({"call_id": str(call_id)})
                return
        held_back = False
        if not self.call_id:  # a new call (a tapped call nobody answered passed the gate already)
            held_back = await self._admit(call_id, message)
            if held_back is None:
                return
        await self.channel_layer.group_add(caller_group(call_id), self.channel_name)
        await database_sync_to_async(self._enqueue)(call_id, language_id, preferred_id, held_back)
        self.call_id, self.queued = call_id, True
        await self.send_event({"type": "queue.joined", "call_id": str(call_id), **queries.queue_settings()})
        await database_sync_to_async(routing.route_waiting)()
        await queue_fanout.watch(self, call_id)  # the place in the queue, now and at each change

    def _enqueue(self, call_id: uuid.UUID, language_id, preferred_id, held_back: bool) -> None:
        actions.enqueue(
            call_id,
            "",
            language_id,
            preferred_id,
            held_back,
            self.channel,
            caller_key_hash=self.caller_key_hash(),
        )
        if not held_back:
            limits.hold_back_if_flooding(self.source, call_id)

    async def _language_id(self, code) -> int | None:
        if code in (None, ""):
            return None
        if not isinstance(code, str) or len(code) > 8:
            raise MessageError("bad_message", gettext("« language » doit être un code de langue."))
        language_id = await database_sync_to_async(queries.language_id)(code)
        if language_id is None:
            raise MessageError(
                "unknown_language", gettext("Aucun psychologue de la ligne ne parle cette langue.")
            )
        return language_id

    async def _own_psychologist(self, value) -> int | None:
        if value is None:
            return None
        psychologist_id = require_int({"psychologist_id": value}, "psychologist_id")
        key_hash = self.caller_key_hash()
        mine = await database_sync_to_async(queries.psychologists_of_caller)(key_hash) if key_hash else []
        if psychologist_id not in mine:
            raise MessageError(
                "not_your_psychologist",
                gettext("Vous ne pouvez attendre que un psychologue à qui vous avez déjà parlé."),
            )
        return psychologist_id

    async def on_queue_urgent(self, message):
        """ "Je suis en danger": the front of the queue, supervisors alerted at once (once per call; one
        alert line for the marks of one source within a few seconds)."""
        self._require_waiting(message)
        if self.urgent_marked:
            raise actions.AlreadyUrgent(
                gettext("Votre appel passe déjà en priorité et un cadre de la plateforme est prévenu.")
            )
        call_id, source = self.call_id, self.source
        await database_sync_to_async(lambda: actions.mark_urgent(call_id, limits.danger_marked(source)))()
        self.urgent_marked = True
        await database_sync_to_async(routing.route_waiting)()

    async def on_queue_anyone(self, message):
        self._require_waiting(message)
        await database_sync_to_async(actions.anyone_now)(self.call_id)
        await database_sync_to_async(routing.route_waiting)()

    async def on_heartbeat(self, message):
        if self.call_id:
            heartbeats.caller(
                self.call_id
            )  # written with this second's others, never awaited (heartbeats.py)

    async def on_call_resume(self, message):
        """The app reconnected (a network loss, or its server process died): pick the call up where it is."""
        call_id = require_uuid(message, "call_id")
        if self.call_id:
            raise MessageError("already_in_call", gettext("Un appel est déjà en cours."))
        call = await database_sync_to_async(queries.resumable_call)(call_id, self.caller_key_hash())
        if call is None:
            await self.send_event({"type": "call.ended", "call_id": str(call_id), "reason": "gone"})
            return
        if call.state in (CallState.ENDED, CallState.ABANDONED):  # it ended while the app was away
            await self.send_event(await database_sync_to_async(queries.resume_event)(call))
            return
        self.call_id, self.queued = call.pk, bool(call.queued_at)
        self.psychologist_id = call.psychologist_id
        self.connected = call.state == CallState.CONNECTED
        await self.channel_layer.group_add(caller_group(call.pk), self.channel_name)
        await database_sync_to_async(actions.callers_present)([call.pk])
        event = await database_sync_to_async(queries.resume_event)(call)
        await self.send_event(event)
        if self.queued:
            self._last_position = event if event["type"] == "queue.position" else None
            await queue_fanout.watch(self, call.pk)

    async def send_position(self, event: dict) -> None:
        """The queue fan-out's news of this caller's place: sent unless nothing changed."""
        if (
            self._waiting_in_queue()
            and event["call_id"] == str(self.call_id)
            and event != self._last_position
        ):
            self._last_position = event
            await self.send_event(event)

    def _require_waiting(self, message) -> None:
        self._require_current_call(message)
        if not self.queued:
            raise MessageError("not_waiting", gettext("Cet appel n'attend pas dans la file."))

    async def on_signal(self, message):
        self._require_current_call(message)
        if not self.connected:
            raise MessageError("not_connected", gettext("L'appel n'est pas encore décroché."))
        signal = clean_signal(message.get("signal"), relay_only())
        to = message.get("to", "psychologist")
        if to not in ("psychologist", "supervisor") or (to == "supervisor" and not self.supervisor_id):
            raise MessageError(
                "bad_message",
                gettext("« to » doit désigner le psychologue ou le cadre qui a rejoint l'appel."),
            )
        recipient = self.supervisor_id if to == "supervisor" else self.psychologist_id
        await self.channel_layer.group_send(
            staff_group(recipient),
            {"type": "relay", "event": {"type": "signal", "call_id": str(self.call_id), "signal": signal}},
        )

    async def before_relay(self, event):
        kind = event["type"]
        if kind == "queue.position" and event.get("language"):
            # The queue fan-out names the language once for everyone, in French: the caller reads their own.
            event["language"] = translated(event["language"])
        if kind == "call.ringing":
            self.psychologist_id = event["psychologist_id"]
        elif kind == "call.accepted":
            self.connected = True
        elif kind == "call.supervisor_joined":
            self.supervisor_id = await database_sync_to_async(queries.supervisor_of)(self.call_id)
        elif kind == "call.supervisor_left":
            self.supervisor_id = None
        elif kind == "call.handed_over":
            self.psychologist_id, self.supervisor_id = self.supervisor_id, None
        elif kind == "call.unanswered":
            self.psychologist_id = None
            if event.get("queued"):  # back to its place in the queue (told by the queue fan-out)
                self._last_position = None
            else:
                event.update(await self._next_steps())
        elif kind == "call.ended":
            await self._forget_call()

    def _require_current_call(self, message) -> None:
        if require_uuid(message, "call_id") != self.call_id:
            raise MessageError("not_your_call", gettext("Cet appel n'est pas le vôtre."))

    async def _leave_call(self, reason: str) -> None:
        try:
            await database_sync_to_async(actions.caller_leaves)(self.call_id, reason)
        except CallError:
            pass  # already over: nothing left to end
        await self._forget_call()

    async def _forget_call(self) -> None:
        if self.call_id:
            await self.channel_layer.group_discard(caller_group(self.call_id), self.channel_name)
        queue_fanout.unwatch(self)
        self.call_id, self.psychologist_id, self.connected, self.queued = None, None, False, False
        self.supervisor_id = None
        self._last_position = None
        self.urgent_marked = False

    async def _next_steps(self) -> dict:
        """Never a dead end: the next available psychologist, or the phone line."""
        alternative = await database_sync_to_async(queries.suggest_psychologist)(self.tried)
        return {"alternative": alternative, "phone": settings.ECOUTE_PHONE_NUMBER}


class WorkspaceSocket(JsonSocket):
    """A psychologist's workspace: presence, ringing, the call and its signalling.

    Only one window speaks for a psychologist at a time; opening the workspace elsewhere takes over.
    """

    message_types = (
        "status.set",
        "call.accept",
        "call.decline",
        "call.hangup",
        "signal",
        "heartbeat",
        "call.escalate",
        "call.emergency",
        "debrief.request",
        "debrief.dismiss",
        "call.hand_over",
    )
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
        self.joined = False  # in the call as the supervisor who joined it, beside its psychologist
        self.session_checked = time.monotonic()
        await self.accept()
        await self.channel_layer.group_send(
            staff_group(self.user_id), {"type": "session.takeover", "session": self.channel_name}
        )
        await self.channel_layer.group_add(staff_group(self.user_id), self.channel_name)
        await database_sync_to_async(presence.open_session)(self.user_id, self.channel_name)
        await self._resume_call()

    async def _resume_call(self) -> None:
        """A reload or a reconnection (its server process may have died): the call ringing or going on comes back."""
        event = await database_sync_to_async(queries.workspace_resume_event)(self.user_id)
        if event:
            if event["type"] == "call.connected":
                self.call_id = uuid.UUID(event["call_id"])
            await self.send_event(event)

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
            raise MessageError("bad_message", gettext("« status » manquant."))
        await database_sync_to_async(presence.choose_status)(self.user_id, self.channel_name, status)
        await database_sync_to_async(
            routing.route_waiting
        )()  # a listener free now takes the next waiting call

    async def on_heartbeat(self, message):
        heartbeats.workspace(
            self, self.user_id, self.channel_name
        )  # written with this second's others (heartbeats.py)
        # Once a minute: on duty counts as activity for the staff session, and an ended session closes.
        if time.monotonic() - self.session_checked >= sessions.TOUCH_SECONDS:
            self.session_checked = time.monotonic()
            user, session = self.scope["user"], self.scope.get("session")
            alive = lambda: sessions.socket_heartbeat(session, user, is_on_duty(self.user_id))  # noqa: E731
            if not await database_sync_to_async(alive)():
                await self.close(code=4401)

    async def session_replaced(self) -> None:
        """Another window took over this psychologist's workspace (told by heartbeats.py)."""
        await self.send_event({"type": "session.replaced"})
        await self.close(code=4409)

    async def on_call_accept(self, message):
        call_id = require_uuid(message, "call_id")
        await database_sync_to_async(actions.accept)(call_id, self.user_id)
        self.call_id = call_id

    async def on_call_decline(self, message):
        await database_sync_to_async(actions.decline)(require_uuid(message, "call_id"), self.user_id)
        await database_sync_to_async(routing.route_waiting)()

    async def on_call_hangup(self, message):
        call_id = self._require_current_call(message)
        await database_sync_to_async(actions.psychologist_hangs_up)(call_id, self.user_id)
        await database_sync_to_async(routing.route_waiting)()

    async def on_call_escalate(self, message):
        """Ask a supervisor for help, to take the call over, or to call the caller back at once."""
        call_id = self._require_current_call(message)
        kind = message.get("kind")
        if kind not in ("help", "transfer", "callback"):
            raise MessageError("bad_message", gettext("« kind » doit être help, transfer ou callback."))
        await database_sync_to_async(actions.escalate)(
            call_id, self.user_id, kind, _reason(message, required=False)
        )
        await self.send_event({"type": "escalation.sent", "call_id": str(call_id), "kind": kind})

    async def on_call_emergency(self, message):
        """A life-threatening emergency: supervisors alerted at once; the workspace shows what to do."""
        call_id = self._require_current_call(message)
        await database_sync_to_async(actions.flag_emergency)(
            call_id, self.user_id, _reason(message, required=True)
        )
        await self.send_event({"type": "emergency.flagged", "call_id": str(call_id)})

    async def on_debrief_request(self, message):
        await database_sync_to_async(actions.request_debrief)(self.user_id)
        await self.send_event({"type": "debrief.requested"})

    async def on_debrief_dismiss(self, message):
        await database_sync_to_async(presence.dismiss_debrief)(self.user_id)

    async def on_signal(self, message):
        call_id = self._require_current_call(message)
        signal = clean_signal(message.get("signal"), relay_only())
        sender = "supervisor" if self.joined else "psychologist"
        await self.channel_layer.group_send(
            caller_group(call_id),
            {
                "type": "relay",
                "event": {"type": "signal", "call_id": str(call_id), "signal": signal, "from": sender},
            },
        )

    async def on_call_hand_over(self, message):
        """Warm transfer: the supervisor who joined carries on; this psychologist leaves the call."""
        call_id = self._require_current_call(message)
        await database_sync_to_async(actions.hand_over)(call_id, self.user_id)

    async def before_relay(self, event):
        kind, mine = event["type"], event.get("call_id") == str(self.call_id)
        if kind == "call.ended" and mine:
            self.call_id, self.joined = None, False
        elif kind == "call.joined":
            self.call_id, self.joined = uuid.UUID(event["call_id"]), True
        elif kind == "call.handed_over" and mine:
            self.joined = False  # now the one who carries the call

    def _require_current_call(self, message) -> uuid.UUID:
        call_id = require_uuid(message, "call_id")
        if call_id != self.call_id:
            raise MessageError("not_your_call", gettext("Vous n'êtes pas en communication sur cet appel."))
        return call_id


def _reason(message: dict, required: bool) -> str:
    reason = message.get("reason", "")
    if not isinstance(reason, str) or len(reason) > 500:
        raise MessageError("bad_message", gettext("« reason » doit être un texte de 500 caractères au plus."))
    if required and not reason.strip():
        raise MessageError("reason_required", gettext("Indiquez en quelques mots ce qui se passe."))
    return reason.strip()


class SupervisorSocket(JsonSocket):
    """The supervision board: alerts the moment they are raised; take an alert, take a waiting call."""

    message_types = ("alert.take", "call.take", "call.join", "call.block")
    expected_errors = (CallError, alerts.AlertError)

    async def connect(self):
        user = self.scope.get("user")
        may_supervise = lambda: (  # noqa: E731
            user.role in SUPERVISION_ROLES and session_is_verified(user, self.scope.get("session"))
        )
        if user is None or not user.is_authenticated or not await database_sync_to_async(may_supervise)():
            await self.close(code=4403)
            return
        self.user_id = user.pk
        await self.accept()
        await self.channel_layer.group_add(SUPERVISORS_GROUP, self.channel_name)

    async def disconnect(self, code):
        if hasattr(self, "user_id"):
            await self.channel_layer.group_discard(SUPERVISORS_GROUP, self.channel_name)

    async def alert_raised(self, message):
        await self.send_event(
            {
                "type": "alert",
                "alert_id": message["alert_id"],
                "kind": message["kind"],
                "label": message["label"],
            }
        )

    async def alert_closed(self, message):
        await self.send_event({"type": "alert.closed", "alert_id": message["alert_id"]})

    async def alert_grouped(self, message):
        await self.send_event({"type": "alert.grouped", "alert_id": message["alert_id"]})

    async def on_call_block(self, message):
        """ "Bloquer cet appareil / cette source pour N heures": audited; its waiting calls end."""
        call_id = require_uuid(message, "call_id")
        scope, hours, user = message.get("scope"), message.get("hours"), self.scope["user"]
        ended = await database_sync_to_async(blocks.block_call)(call_id, scope, hours, user)
        await self.send_event(
            {"type": "call.blocked", "call_id": str(call_id), "scope": scope, "hours": hours, "ended": ended}
        )

    async def on_alert_take(self, message):
        await database_sync_to_async(alerts.take)(require_int(message, "alert_id"), self.user_id)

    async def on_call_take(self, message):
        call_id = require_uuid(message, "call_id")
        try:
            await database_sync_to_async(actions.take_call)(call_id, self.user_id)
        except actions.PsychologistBusy:
            raise MessageError(
                "workspace_needed",
                gettext("Ouvrez votre espace d'écoute, sans appel en cours, pour prendre cet appel."),
            ) from None
        await self.send_event({"type": "call.taken", "call_id": str(call_id)})

    async def on_call_join(self, message):
        """Warm transfer: join a call going on, from one's open workspace."""
        call_id = require_uuid(message, "call_id")
        try:
            await database_sync_to_async(actions.join_call)(call_id, self.user_id)
        except actions.PsychologistBusy as error:
            raise MessageError("workspace_needed", str(error)) from None
        await self.send_event({"type": "call.joining", "call_id": str(call_id)})
