"""The three websockets of the line: the caller's (public, anonymous), the psychologist's workspace and the
supervision board. What they accept and send: docs/protocol.md (ecoute/protocol/)."""

import time
import uuid

from channels.db import database_sync_to_async
from django.conf import settings
from django.utils.translation import gettext

from ecoute.abuse import blocks, gate, limits
from ecoute.accounts import access, sessions
from ecoute.accounts.twofactor import session_is_verified
from ecoute.followup import actions as follow_ups
from ecoute.followup.actions import FollowUpError
from ecoute.lib.i18n import translated
from ecoute.lib.realtime import SUPERVISORS_GROUP, after_call_group, caller_group, relay_now, staff_group
from ecoute.lib.sockets import JsonSocket
from ecoute.lib.source import source_of, sources_of
from ecoute.presence import actions as presence
from ecoute.presence.actions import PresenceError
from ecoute.presence.fanout import board_fanout
from ecoute.presence.queries import board_snapshot, is_on_duty
from ecoute.protocol import events, messages
from ecoute.protocol.messages import MessageError

from . import actions, queries
from .actions import CallError
from .caller_session import CallerSession
from .heartbeats import heartbeats
from .ice import relay_only
from .models import Call, CallState, Channel, EndReason
from .queue_fanout import queue_fanout
from .queue_intake import queue_intake
from .signalling import SignalError, clean_signal
from .supervision import alerts

# A socket this many messages over its rate (ecoute/abuse/limits.py) is closed.
_OVERFLOW_CLOSE = 200


class CallerSocket(JsonSocket):
    """The public app: watches the board, places one call at a time, relays its signalling."""

    accepted = messages.CALLER
    expected_errors = (CallError, SignalError, FollowUpError)
    channel = Channel.APP
    # The app shows the board of who is available; the phone's media agent has no use for it.
    watches_board = True
    # The answered call whose after-call group this socket is in (a follow-up may be proposed in its wrap-up).
    after_call = None

    async def connect(self):
        self.caller = CallerSession()
        self.sources = sources_of(self.scope)
        self.source = source_of(self.scope)
        self.messages, self.overflow = limits.message_bucket(), 0
        self.calls = limits.call_bucket()  # calls placed by this connection, whatever device key it says
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
        await self._stay_after(None)
        if getattr(self, "counted", False):
            await database_sync_to_async(limits.socket_closed)(self.source)
        if self.caller.call_id and not self.caller.waiting_in_queue():
            await self._leave_call(EndReason.CALLER_LOST)
        # A caller waiting in the queue whose connection drops keeps their place: the app comes
        # back and resumes the call. If it does not, the timers abandon the call once the caller
        # has not been seen for ECOUTE_CALLER_TIMEOUT seconds (ecoute/calls/timers.py). Leaving
        # on purpose is an explicit hang-up.

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
        try:
            return await database_sync_to_async(self._gate(call_id, message))()
        except gate.Refused as refused:
            await self._refused(refused)
            return None

    def _gate(self, call_id: uuid.UUID, message: dict):
        """The gate's check of a new call, to run on the database thread: held back, or raises Refused."""
        device, sources, source = self.caller_key_hash(), self.sources, self.source
        proof = message.get("proof")

        def admit() -> bool:
            held_back = gate.admit(device, sources, proof)
            limits.remember_call(source, call_id)
            return held_back

        return admit

    async def _refused(self, refused: gate.Refused) -> None:
        if refused.code == "proof_required":
            self.calls.tokens += 1  # not a call yet: the same call comes back with its proof
        await self.send_event(refused.event())

    async def on_hello(self, message):
        self.caller.key = message["caller_key"]
        mine = await database_sync_to_async(queries.psychologists_of_caller)(self.caller_key_hash())
        await self.send_event(events.hello(mine))

    async def on_follow_up_redeem(self, message):
        """Back with a follow-up link: its psychologist is offered first (the app taps them), or the queue."""
        found = await database_sync_to_async(follow_ups.redeem)(message["token"])
        await self.send_event(events.follow_up_redeemed(found["psychologist_id"], found["available"]))

    async def _stay_after(self, call_id) -> None:
        """Follow CALL_ID's after-call group from now on (None: none), leaving the previous call's."""
        if self.after_call == call_id:
            return
        if self.after_call is not None:
            await self.channel_layer.group_discard(after_call_group(self.after_call), self.channel_name)
        self.after_call = call_id
        if call_id is not None:
            await self.channel_layer.group_add(after_call_group(call_id), self.channel_name)

    def caller_key_hash(self) -> str:
        """What links this caller's calls: the hash of the app's device key (a phone caller's comes
        from a code de suivi, ecoute/telephony/socket.py); empty before hello."""
        return self.caller.device

    async def on_call_request(self, message):
        psychologist_id = message["psychologist_id"]
        if self.caller.in_call():
            raise MessageError("already_in_call", gettext("Un appel est déjà en cours."))
        new_call = self.caller.call_id is None
        if new_call:
            call_id = uuid.uuid4()
            if await self._admit(call_id, message) is None:
                return
            self.caller.call_id = call_id
            await self.channel_layer.group_add(caller_group(self.caller.call_id), self.channel_name)
        elif not self.calls.take():  # ringing someone again for the same call: counted too
            await self.send_event(gate.too_many_calls().event())
            return
        try:
            await database_sync_to_async(actions.ring_psychologist)(
                self.caller.call_id, psychologist_id, self.caller.key, new=new_call
            )
        except actions.PsychologistBusy:
            if new_call:
                await self._forget_call()
            self.caller.tried.append(psychologist_id)
            await self.send_event(events.call_busy(psychologist_id, **await self._next_steps()))
            return
        self.caller.psychologist_id = psychologist_id
        self.caller.tried.append(psychologist_id)

    async def on_call_hangup(self, message):
        self._require_current_call(message)
        await self._leave_call(EndReason.CALLER_LEFT)

    # --- The queue ("Parler à quelqu'un maintenant") ----------------------------------------------

    async def on_queue_join(self, message):
        """Talk to the first suitable listener free, optionally in a language, or wait for one's own psychologist."""
        if self.caller.in_call():
            raise MessageError("already_in_call", gettext("Un appel est déjà en cours."))
        language_id = await self._language_id(message["language"])
        preferred_id = await self._own_psychologist(message["psychologist_id"])
        call_id = self.caller.call_id or uuid.uuid4()
        if message["call_id"] and not self.caller.call_id:
            # The app may name its call itself, so that a join whose answer was lost with its server
            # process is simply resumed when sent again, never doubled.
            call_id = message["call_id"]
            if await database_sync_to_async(Call.objects.filter(pk=call_id).exists)():
                await self.on_call_resume({"call_id": call_id})
                return
        tapped, attempt = self.caller.call_id is not None, None
        if not tapped:  # a new call passes the gate (a tapped call nobody answered passed it already)
            if not self.calls.take():
                await self.send_event(gate.too_many_calls().event())
                return
            attempt = gate.Attempt(self.caller_key_hash(), self.sources, message.get("proof"))
        await self.channel_layer.group_add(caller_group(call_id), self.channel_name)
        join = actions.Join(
            call_id,
            language_id=language_id,
            preferred_id=preferred_id,
            maybe_tapped=tapped,
            channel=self.channel,
            caller_key_hash=self.caller_key_hash(),
        )
        # Admitted, stored and placed with the other requests this process received meanwhile; the
        # answer is the caller's place, or nothing when it rings already (its call.ringing follows).
        try:
            place = await queue_intake.join(join, self.source, attempt)
        except gate.Refused as refused:
            await self.channel_layer.group_discard(caller_group(call_id), self.channel_name)
            await self._refused(refused)
            return
        self.caller.call_id, self.caller.queued = call_id, True
        await self.send_event(events.queue_joined(call_id, **queries.queue_settings()))
        if place is not None:
            await self.send_position(place)
        await queue_fanout.watch(self, call_id)  # the place in the queue at each change

    async def _language_id(self, code: str | None) -> int | None:
        if code is None:
            return None
        language_id = await database_sync_to_async(queries.language_id)(code)
        if language_id is None:
            raise MessageError(
                "unknown_language", gettext("Aucun psychologue de la ligne ne parle cette langue.")
            )
        return language_id

    async def _own_psychologist(self, psychologist_id: int | None) -> int | None:
        if psychologist_id is None:
            return None
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
        if self.caller.urgent_marked:
            raise actions.AlreadyUrgent(
                gettext("Votre appel passe déjà en priorité et un cadre de la plateforme est prévenu.")
            )
        call_id, source = self.caller.call_id, self.source
        await database_sync_to_async(lambda: actions.mark_urgent(call_id, limits.danger_marked(source)))()
        self.caller.urgent_marked = True

    async def on_queue_anyone(self, message):
        self._require_waiting(message)
        await database_sync_to_async(actions.anyone_now)(self.caller.call_id)

    async def on_heartbeat(self, message):
        if self.caller.call_id:
            heartbeats.caller(self.caller.call_id)  # written with this second's others (heartbeats.py)

    async def on_call_resume(self, message):
        """The app reconnected (a network loss, or its server process died): pick the call up where it is."""
        call_id = message["call_id"]
        if self.caller.call_id:
            raise MessageError("already_in_call", gettext("Un appel est déjà en cours."))
        call = await database_sync_to_async(queries.resumable_call)(call_id, self.caller_key_hash())
        if call is None:
            await self.send_event(events.call_ended(call_id, "gone"))
            return
        if call.state in (CallState.ENDED, CallState.ABANDONED):  # it ended while the app was away
            await self.send_event(await database_sync_to_async(queries.resume_event)(call))
            return
        self.caller.call_id, self.caller.queued = call.pk, bool(call.queued_at)
        self.caller.psychologist_id = call.psychologist_id
        self.caller.connected = call.state == CallState.CONNECTED
        await self.channel_layer.group_add(caller_group(call.pk), self.channel_name)
        if self.caller.connected:
            await self._stay_after(call.pk)
        await database_sync_to_async(actions.callers_present)([call.pk])
        event = await database_sync_to_async(queries.resume_event)(call)
        await self.send_event(event)
        if self.caller.queued:
            self.caller.last_position = event if event["type"] == "queue.position" else None
            await queue_fanout.watch(self, call.pk)

    async def send_position(self, event: dict) -> None:
        """The queue fan-out's news of this caller's place: sent unless nothing changed."""
        if self.caller.position_is_news(event):
            await self.send_event(event)

    def _require_waiting(self, message) -> None:
        self._require_current_call(message)
        if not self.caller.queued:
            raise MessageError("not_waiting", gettext("Cet appel n'attend pas dans la file."))

    async def on_signal(self, message):
        self._require_current_call(message)
        if not self.caller.connected:
            raise MessageError("not_connected", gettext("L'appel n'est pas encore décroché."))
        signal = clean_signal(message["signal"], relay_only())
        to = message["to"]
        if to == "supervisor" and not self.caller.supervisor_id:
            raise messages.wrong_recipient()
        recipient = self.caller.supervisor_id if to == "supervisor" else self.caller.psychologist_id
        await relay_now(staff_group(recipient), events.signal_to_listener(self.caller.call_id, signal))

    async def before_relay(self, event):
        kind = event["type"]
        if kind == "queue.position" and event.get("language"):
            # The queue fan-out names the language once for everyone, in French: the caller reads their own.
            event["language"] = translated(event["language"])
        self.caller.follow(event)
        if kind == "call.accepted":
            await self._stay_after(self.caller.call_id)
        elif kind == "call.supervisor_joined":
            self.caller.supervisor_id = await database_sync_to_async(queries.supervisor_of)(
                self.caller.call_id
            )
        elif kind == "call.unanswered" and not event["queued"]:
            event.update(await self._next_steps())
        elif kind == "call.ended":
            await self._forget_call()

    def _require_current_call(self, message) -> None:
        if message["call_id"] != self.caller.call_id:
            raise MessageError("not_your_call", gettext("Cet appel n'est pas le vôtre."))

    async def _leave_call(self, reason: str) -> None:
        try:
            await database_sync_to_async(actions.caller_leaves)(self.caller.call_id, reason)
        except CallError:
            pass  # already over: nothing left to end
        await self._forget_call()

    async def _forget_call(self) -> None:
        if self.caller.call_id:
            await self.channel_layer.group_discard(caller_group(self.caller.call_id), self.channel_name)
        queue_fanout.unwatch(self)
        self.caller.forget_call()

    async def _next_steps(self) -> dict:
        """Never a dead end: the next available psychologist, or the phone line."""
        alternative = await database_sync_to_async(queries.suggest_psychologist)(self.caller.tried)
        return events.next_steps(alternative, settings.ECOUTE_PHONE_NUMBER)


class WorkspaceSocket(JsonSocket):
    """A psychologist's workspace: presence, ringing, the call and its signalling.

    Only one window speaks for a psychologist at a time; opening the workspace elsewhere takes over.
    """

    accepted = messages.WORKSPACE
    expected_errors = (CallError, PresenceError, SignalError, FollowUpError)

    async def connect(self):
        user = self.scope.get("user")
        # A listener whose session passed the second factor, as for every staff page.
        may_listen = lambda: access.is_listener(user) and session_is_verified(user, self.scope.get("session"))  # noqa: E731
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
            await self.send_event(events.session_replaced())
            await self.close(code=4409)

    async def on_status_set(self, message):
        await database_sync_to_async(actions.set_status)(self.user_id, self.channel_name, message["status"])

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
        await self.send_event(events.session_replaced())
        await self.close(code=4409)

    async def on_call_accept(self, message):
        call_id = message["call_id"]
        await database_sync_to_async(actions.accept)(call_id, self.user_id)
        self.call_id = call_id

    async def on_call_decline(self, message):
        await database_sync_to_async(actions.decline)(message["call_id"], self.user_id)

    async def on_call_hangup(self, message):
        call_id = self._require_current_call(message)
        await database_sync_to_async(actions.psychologist_hangs_up)(call_id, self.user_id)

    async def on_call_escalate(self, message):
        """Ask a supervisor for help, to take the call over, or to call the caller back at once."""
        call_id = self._require_current_call(message)
        kind = message["kind"]
        await database_sync_to_async(actions.escalate)(call_id, self.user_id, kind, message["reason"])
        await self.send_event(events.escalation_sent(call_id, kind))

    async def on_call_emergency(self, message):
        """A life-threatening emergency: supervisors alerted at once; the workspace shows what to do."""
        call_id = self._require_current_call(message)
        await database_sync_to_async(actions.flag_emergency)(call_id, self.user_id, message["reason"])
        await self.send_event(events.emergency_flagged(call_id))

    async def on_debrief_request(self, message):
        await database_sync_to_async(actions.request_debrief)(self.user_id)
        await self.send_event(events.debrief_requested())

    async def on_debrief_dismiss(self, message):
        await database_sync_to_async(presence.dismiss_debrief)(self.user_id)

    async def on_signal(self, message):
        call_id = self._require_current_call(message)
        signal = clean_signal(message["signal"], relay_only())
        sender = "supervisor" if self.joined else "psychologist"
        await relay_now(caller_group(call_id), events.signal_to_caller(call_id, signal, sender))

    async def on_follow_up_propose(self, message):
        """Propose the caller a follow-up at a time, during the call or its wrap-up; the caller answers in their app."""
        call_id, at = message["call_id"], message["at"]
        await database_sync_to_async(follow_ups.propose)(call_id, self.user_id, at)
        await self.send_event(events.follow_up_sent(call_id, at.isoformat()))

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
        elif kind == "call.connected":  # accepted here, or a supervisor's call-back from the board
            self.call_id = uuid.UUID(event["call_id"])
        elif kind == "call.handed_over" and mine:
            self.joined = False  # now the one who carries the call

    def _require_current_call(self, message) -> uuid.UUID:
        call_id = message["call_id"]
        if call_id != self.call_id:
            raise MessageError("not_your_call", gettext("Vous n'êtes pas en communication sur cet appel."))
        return call_id


class SupervisorSocket(JsonSocket):
    """The supervision board: alerts the moment they are raised; take an alert, take a waiting call."""

    accepted = messages.SUPERVISION
    expected_errors = (CallError, alerts.AlertError)

    async def connect(self):
        user = self.scope.get("user")
        may_supervise = lambda: (  # noqa: E731
            access.supervises(user) and session_is_verified(user, self.scope.get("session"))
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

    async def on_call_block(self, message):
        """ "Bloquer cet appareil / cette source pour N heures": audited; its waiting calls end."""
        call_id = message["call_id"]
        scope, hours, user = message.get("scope"), message.get("hours"), self.scope["user"]
        ended = await database_sync_to_async(blocks.block_call)(call_id, scope, hours, user)
        await self.send_event(events.call_blocked(call_id, scope, hours, ended))

    async def on_alert_take(self, message):
        await database_sync_to_async(alerts.take)(message["alert_id"], self.user_id)

    async def _from_workspace(self, action, call_id, needed: str) -> None:
        """ACTION on CALL_ID for this supervisor, whose open workspace, without a call, is NEEDED."""
        try:
            await database_sync_to_async(action)(call_id, self.user_id)
        except actions.PsychologistBusy:
            raise MessageError("workspace_needed", needed) from None

    async def on_call_take(self, message):
        call_id = message["call_id"]
        needed = gettext("Ouvrez votre espace d'écoute, sans appel en cours, pour prendre cet appel.")
        await self._from_workspace(actions.take_call, call_id, needed)
        await self.send_event(events.call_taken(call_id))

    async def on_call_call_back(self, message):
        """« Rappel immédiat par un cadre »: the supervisor's open workspace talks with the waiting caller at once."""
        call_id = message["call_id"]
        needed = gettext("Ouvrez votre espace d'écoute, sans appel en cours, pour rappeler cet appelant.")
        await self._from_workspace(actions.call_back, call_id, needed)
        await self.send_event(events.call_called_back(call_id))

    async def on_call_join(self, message):
        """Warm transfer: join a call going on, from one's open workspace."""
        call_id = message["call_id"]
        try:
            await database_sync_to_async(actions.join_call)(call_id, self.user_id)
        except actions.PsychologistBusy as error:
            raise MessageError("workspace_needed", str(error)) from None
        await self.send_event(events.call_joining(call_id))
