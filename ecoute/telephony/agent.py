"""The phone line's media agent: answers the calls the SIP edge passes on, and joins the line for them.

    Kamailio ──SIP/RTP──▶ this agent (pjsua2) ──websocket──▶ Écoute (/ws/telephony/), one per call
                               │ audio bridge
                               └──WebRTC (aiortc, through the TURN relay)──▶ the psychologist's browser

For each call: answer, play the welcome, open the call's socket and join the queue as the app does,
keep the caller company with the waiting prompt, and once a psychologist accepts, offer WebRTC to
their browser with the existing signalling (the caller's side always offers) and bridge the audio
both ways (8 kHz mono PCM between the two stacks). Either side hanging up ends the other.

What the agent knows of the caller is what the edge passed on: the call's token and the keyed hash
of the number; it logs call tokens and states only. Run: `python -m ecoute.telephony.agent`, with
ECOUTE_TELEPHONY_URL (the server's ws://…/ws/telephony/), ECOUTE_TELEPHONY_SECRET, ECOUTE_SIP_MEDIA_ADDRESS
and ECOUTE_SIP_MEDIA_PORT (docs/telephony.md). pjsua2 runs on this process's main thread (its events
are polled by the asyncio loop); only the audio callbacks come from PJSIP's clock thread.
"""

import array
import asyncio
import collections
import fractions
import json
import logging
import math
import os
import re
import secrets
import signal
import threading
import time
import wave

import pjsua2 as pj
import websockets
from aiortc import RTCConfiguration, RTCIceServer, RTCPeerConnection, RTCSessionDescription
from aiortc.jitterbuffer import JitterFrame
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack
from aiortc.rtcconfiguration import RTCIceTransportPolicy
from aiortc.rtcrtpsender import RTCRtpSender
from aiortc.sdp import candidate_from_sdp
from av import AudioFrame, AudioResampler, CodecContext, Packet

from . import prompts
from .frames import set_frame_audio, vector_bytes

logger = logging.getLogger("ecoute.telephony")

RATE = 8000  # the phone network's rate: no resampling between PJSIP and G.711
FRAME_SAMPLES = 160  # 20 ms
FRAME_BYTES = FRAME_SAMPLES * 2
# The browsers' audio waiting for the caller: PJSIP takes 20 ms a tick, as fast as it comes, so
# whatever piled up after a stall (a late packet, a busy core) would stay as delay for the rest of
# the call. This buffer is the only one between the browser's packets and the phone's own jitter
# buffer (aiortc's is bypassed, NoWaitAudio): past 80 ms behind, the oldest is dropped down to 40 ms
# (bench/phone_bridge.py measured the psychologist's voice reaching the phone ~0.2 s late, up to
# 0.6 s, when up to 1 s was kept).
MOST_BEHIND_BYTES = 4 * FRAME_BYTES
KEPT_BEHIND_BYTES = 2 * FRAME_BYTES
# PJSIP's jitter buffer for the caller's packets (milliseconds): adaptive, as its default, but
# holding at most 60 ms before playing (the default lets it grow to hundreds under a burst); an
# operator's trunk is a managed network, and every millisecond here is added to the call.
JITTER_MAX_PREFETCH_MS = 60
JITTER_MAX_MS = 200
G711 = {"audio/PCMU": "pcm_mulaw", "audio/PCMA": "pcm_alaw"}  # what PyAV calls them
_HEADER = re.compile(r"^(X-Ecoute-[A-Za-z-]+):[ \t]*(\S+)[ \t]*$", re.MULTILINE | re.IGNORECASE)
_TOKEN = re.compile(r"^[0-9a-f]{32}$")
# The menu said on answering; its length, for how long a key is awaited after it.
MENU = ["welcome", "menu", "en:offer"]
SKIP_MENU = "#"  # put through at once, in French, without waiting for the menu's end
MENU_SECONDS = 0.0  # set from the prompt files at start (Agent.start_sip)
PLACE_SECONDS = 30  # the place is said again when it changed, at most this often
CODE_DIGIT_SECONDS = 6  # the longest pause between two digits of a code de suivi
# How often PJSIP's SIP events are polled, during calls and without any (the first answer waits at most that).
POLL_SECONDS = 0.02
IDLE_POLL_SECONDS = 0.05
HUNG_UP = "hung up"  # put among the caller's keys when they hang up, to end the menu's wait at once
SUPERVISOR_KEY = "9"  # after a long wait: to reach a supervisor
# After the psychologist hung up, « Cet appel vous a-t-il aidé ? »: the key -> the answer counted.
FEEDBACK_KEYS = {"1": "yes", "2": "partly", "3": "no"}


def edge_headers(message: str) -> dict[str, str]:
    """The edge's X-Ecoute-* headers of an INVITE, lower-cased; nothing else of the message is read."""
    head = message.split("\r\n\r\n", 1)[0].replace("\r\n", "\n")
    return {name.lower(): value for name, value in _HEADER.findall(head)}


class CallerVoice(MediaStreamTrack):
    """What the phone caller says, for the psychologist's browser: PJSIP's frames as an aiortc track."""

    kind = "audio"

    def __init__(self):
        super().__init__()
        self.frames: asyncio.Queue[bytes] = asyncio.Queue(maxsize=50)
        self.pts = 0
        self.transceiver = None  # set once added: its negotiated codec says how to hand the audio on
        self.g711: CodecContext | None = None

    def push(self, pcm: bytes) -> None:
        if self.frames.full():  # the browser side is late: drop the oldest rather than grow
            self.frames.get_nowait()
        self.frames.put_nowait(pcm)

    async def recv(self) -> AudioFrame | Packet:
        if self.readyState != "live":
            raise MediaStreamError
        pcm = await self.frames.get()
        frame = AudioFrame(format="s16", layout="mono", samples=len(pcm) // 2)
        frame.planes[0].update(pcm)
        frame.sample_rate, frame.pts, frame.time_base = RATE, self.pts, fractions.Fraction(1, RATE)
        self.pts += len(pcm) // 2
        encoder = self.g711 or self._g711_encoder()
        if encoder is None:
            return frame  # another codec (Opus): aiortc encodes it
        # G.711 encoded here, a few microseconds: aiortc would hand each 20 ms frame to a thread of
        # its pool and back (a third of an agent's CPU per call in py-spy's profile, and frames
        # dropped when that pool lagged under load); a packet goes out as it is.
        (packet,) = encoder.encode(frame)
        packet.pts, packet.time_base = frame.pts, frame.time_base
        return packet

    def _g711_encoder(self) -> CodecContext | None:
        codecs = self.transceiver._codecs if self.transceiver is not None else []
        name = G711.get(codecs[0].mimeType) if codecs else None
        if name:
            self.g711 = CodecContext.create(name, "w")
            self.g711.format, self.g711.layout, self.g711.sample_rate = "s16", "mono", RATE
            self.g711.time_base = fractions.Fraction(1, RATE)
        return self.g711


class NoWaitAudio:
    """What replaces aiortc's jitter buffer for the browser's audio at the agent: each G.711 packet is
    a whole 20 ms frame, handed to the decoder as it comes (late or repeated ones dropped). aiortc's
    own waits for 4 frames more before the first (80 ms added to the call); AudioBridge's buffer
    before the phone's clock, and the phone's jitter buffer, absorb the network's jitter."""

    capacity = 16

    def __init__(self):
        self.last: int | None = None

    def add(self, packet) -> tuple[bool, JitterFrame | None]:
        if self.last is not None and not 0 < (packet.sequence_number - self.last) % 65536 < 32768:
            return False, None
        self.last = packet.sequence_number
        return False, JitterFrame(data=packet._data, timestamp=packet.timestamp)


def without_receiving_delay(transceiver) -> None:
    """The audio the browser sends reaches the bridge without aiortc's prefetch (NoWaitAudio)."""
    receiver = transceiver.receiver
    assert hasattr(receiver, "_RTCRtpReceiver__jitter_buffer"), "aiortc's receiver changed: see NoWaitAudio"
    receiver._RTCRtpReceiver__jitter_buffer = NoWaitAudio()


class AudioBridge(pj.AudioMediaPort):
    """A port of PJSIP's conference bridge: it hears the phone caller and speaks the browsers' audio.

    The caller's voice goes to every browser in the call (the psychologist, and a supervisor who
    joined); what the caller hears is their voices mixed. Called every 20 ms from PJSIP's clock
    thread: it only moves bytes, through lock-protected buffers one way and the asyncio loop's
    thread-safe call the other way.
    """

    def __init__(self, loop: asyncio.AbstractEventLoop):
        super().__init__()
        self.loop = loop
        self.voices: dict[str, CallerVoice] = {}  # per browser: the caller's voice sent to it
        self.heard: dict[str, bytearray] = {}  # per browser: its audio waiting for the caller
        self.lock = threading.Lock()
        audio_format = pj.MediaFormatAudio()
        audio_format.init(pj.PJMEDIA_FORMAT_PCM, RATE, 1, 20000, 16)
        self.createPort("bridge", audio_format)

    def onFrameReceived(self, frame):  # the caller's voice
        if frame.type == pj.PJMEDIA_FRAME_TYPE_AUDIO and frame.size:
            pcm = vector_bytes(frame.buf)
            for voice in list(self.voices.values()):
                self.loop.call_soon_threadsafe(voice.push, pcm)

    def onFrameRequested(self, frame):  # what the caller hears
        with self.lock:
            parts = []
            for buffer in self.heard.values():
                parts.append(bytes(buffer[:FRAME_BYTES]).ljust(FRAME_BYTES, b"\0"))
                del buffer[:FRAME_BYTES]
        frame.type = pj.PJMEDIA_FRAME_TYPE_AUDIO
        set_frame_audio(frame, mix(parts))  # silence while no browser has sent anything
        frame.size = FRAME_BYTES

    def add(self, who: str, voice: CallerVoice) -> None:
        with self.lock:
            self.voices[who], self.heard[who] = voice, bytearray()

    def remove(self, who: str) -> None:
        with self.lock:
            self.voices.pop(who, None)
            self.heard.pop(who, None)

    def rename(self, old: str, new: str) -> None:
        with self.lock:
            if old in self.voices:
                self.voices[new], self.heard[new] = self.voices.pop(old), self.heard.pop(old)

    def speak(self, who: str, pcm: bytes) -> None:
        with self.lock:
            buffer = self.heard.get(who)
            if buffer is None:
                return
            buffer += pcm
            keep_up(buffer)


def keep_up(waiting: bytearray) -> None:
    """Audio late for the caller: past MOST_BEHIND_BYTES, only the newest KEPT_BEHIND_BYTES stay."""
    if len(waiting) > MOST_BEHIND_BYTES:
        del waiting[: len(waiting) - KEPT_BEHIND_BYTES]


def mix(parts: list[bytes]) -> bytes:
    """20 ms of 16-bit PCM from each browser, summed and clipped (silence when there is none)."""
    if not parts:
        return bytes(FRAME_BYTES)
    if len(parts) == 1:
        return parts[0]
    total = [sum(samples) for samples in zip(*(array.array("h", part) for part in parts))]
    return array.array("h", (max(-32768, min(32767, sample)) for sample in total)).tobytes()


class PhoneCall(pj.Call):
    """One phone call: the SIP leg, its prompts, its socket on the line, its WebRTC bridge."""

    def __init__(self, agent: "Agent", account, call_id: int, token: str, sources: tuple[str, str]):
        super().__init__(account, call_id)
        self.agent, self.token, self.sources = agent, token, sources
        self.player = None
        self.bridge: AudioBridge | None = None
        # The browsers in the call: "psychologist", and "supervisor" when one joined (warm transfer).
        self.peers: dict[str, RTCPeerConnection] = {}
        # Per browser's connection: the task passing its audio to the caller (cancelled when the
        # connection is closed: its wait for a frame would never end if no media ever came).
        self.hearing: dict[RTCPeerConnection, asyncio.Task] = {}
        self.socket = None
        self.line_call_id: str | None = None
        self.session: asyncio.Task | None = None
        self.ended = False  # the call is over, for whichever reason
        self.sip_closed = False  # the SIP leg is gone or being hung up
        self.hang_up_told = False  # the line was told the caller hung up
        self.language = "fr"
        self.digits: asyncio.Queue[str] = asyncio.Queue()
        self.urgent = False  # the caller pressed 1 (sent to the line once the call is in the queue)
        self.waiting = False  # in the queue, not yet talking: the prompts keep them company
        self.place: tuple[int, int | None] | None = None  # last (position, estimate) heard from the line
        self.place_said_at = 0.0
        self.code: str | None = None  # a code de suivi keyed after * in the menu
        self.preferred: int | None = None  # the psychologist that code stands for
        self.later: asyncio.Task | None = None  # "anyone free" after a while, for a code's caller
        self.answered_at = time.monotonic()  # when the line answered: the menu's start
        self.code_limited = False  # the line did not check the code: too many wrong ones from this number
        self.supervisor_offered = False  # the wait is long: "to talk to a supervisor, press 9" is said
        self.supervisor_asked = False
        self.offer_later: asyncio.Task | None = None
        # A peer connection made while the call rings (relay candidate gathered, offer ready): the
        # accept only sends it. (peer, the caller's voice), with the time its credentials run out.
        self.prepared: asyncio.Task | None = None
        self.prepared_until = 0.0
        # Handed with the call's end when the psychologist hung up: the caller may say whether it helped.
        self.feedback_ticket: str | None = None

    # --- SIP (called on the main thread, from libHandleEvents) ----------------------------------

    def onCallState(self, prm):
        if self.getInfo().state == pj.PJSIP_INV_STATE_DISCONNECTED and not self.sip_closed:
            logger.info("phone call %s: the caller hung up", self.token)
            self.ended = self.sip_closed = True
            self.digits.put_nowait(HUNG_UP)
            self.agent.loop.create_task(self.leave_line())

    def onCallMediaState(self, prm):
        audio = self._audio()
        if audio is None:
            return  # on hold by the caller (a re-INVITE sendonly): nothing to send them until unhold
        if self.session is None:
            self.answered_at = time.monotonic()
            self.play(MENU, loop=False)
            self.session = self.agent.loop.create_task(self.run())
        else:
            self.reconnect(audio)

    def reconnect(self, audio) -> None:
        """After a re-INVITE or UPDATE (unhold, a session refresh, a codec change), the call's audio
        may be a new port of the conference bridge: what was playing to the caller, the prompts or
        the browsers' voices, is connected to it again (connecting twice changes nothing)."""
        if self.player is not None:
            self.player.startTransmit(audio)
        if self.bridge is not None:
            audio.startTransmit(self.bridge)
            self.bridge.startTransmit(audio)

    def onDtmfDigit(self, prm):
        self.digits.put_nowait(prm.digit)

    def _audio(self):
        """The call's active audio, or None (not yet, on hold, or the call is gone)."""
        if self.sip_closed:
            return None
        try:
            info = self.getInfo()
        except pj.Error:  # disconnected meanwhile: PJSIP no longer knows the call
            return None
        for index, media in enumerate(info.media):
            if media.type == pj.PJMEDIA_TYPE_AUDIO and media.status == pj.PJSUA_CALL_MEDIA_ACTIVE:
                return self.getAudioMedia(index)
        return None

    def play(self, names: list[str], loop: bool = True) -> None:
        """Play these prompts to the caller, in a loop unless told otherwise, instead of what was playing.

        A name is said in the call's language, or in the one it names ("en:offer").
        """
        audio = self._audio()
        if audio is None:
            return
        self.stop_prompt()
        files = [str(prompt_file(name, self.language)) for name in names]
        player = pj.AudioMediaPlayer()
        player.createPlaylist(files, "prompts", 0 if loop else pj.PJMEDIA_FILE_NO_LOOP)
        player.startTransmit(audio)
        self.player = player

    def stop_prompt(self) -> None:
        audio = self._audio()
        if self.player is not None and audio is not None:
            self.player.stopTransmit(audio)
        self.player = None

    def release_media(self) -> None:
        """Destroy this call's player and bridge now, while PJSIP is up (not whenever Python frees them)."""
        self.player = None
        self.bridge = None

    def hang_up(self) -> None:
        self.ended = True
        if not self.sip_closed:
            self.sip_closed = True
            try:
                self.hangup(pj.CallOpParam(True))
            except pj.Error:
                pass  # already gone

    # --- The menu, then the line (asyncio) --------------------------------------------------------

    async def run(self) -> None:
        choice = await self.menu()
        if choice == "2":
            self.language = "en"
        self.urgent = choice == "1"
        if choice == "*":
            self.code = await self.read_code()
            logger.info("phone call %s keyed a code de suivi (%d digits)", self.token, len(self.code))
        if self.ended:  # hung up during the menu: an abandoned call all the same
            await self.record_left_in_menu()
        else:
            await self.join_line()

    async def menu(self) -> str | None:
        """The caller's choice while the menu is said (1: in danger, 2: English, *: a code de suivi
        follows), or None after a short silence or at # (a caller who knows the menu need not hear
        it to the end: they are put through at once)."""
        try:
            async with asyncio.timeout(MENU_SECONDS + self.agent.menu_pause):
                while (digit := await self.digits.get()) not in ("1", "2", "*", SKIP_MENU, HUNG_UP):
                    pass
                return None if digit in (SKIP_MENU, HUNG_UP) else digit
        except TimeoutError:
            return None

    async def read_code(self) -> str:
        """The six digits after *, each within a few seconds of the one before (fewer: no code)."""
        code = ""
        try:
            while len(code) < 6:
                async with asyncio.timeout(CODE_DIGIT_SECONDS):
                    digit = await self.digits.get()
                if digit == HUNG_UP:
                    break
                if digit.isdigit():
                    code += digit
        except TimeoutError:
            pass
        return code

    async def someone_else_later(self) -> None:
        """A caller waiting for the psychologist of their code talks to anyone free after a while."""
        await asyncio.sleep(self.agent.preferred_wait)
        if self.waiting and self.preferred:
            self.preferred = None
            await self.send({"type": "queue.anyone", "call_id": self.line_call_id})

    async def offer_supervisor_later(self) -> None:
        """After a long wait, the waiting prompts offer a supervisor (key 9), from the next round on."""
        await asyncio.sleep(self.agent.supervisor_offer)
        if self.waiting:
            self.supervisor_offered = True
            logger.info("phone call %s: a supervisor is offered", self.token)
            self.agent.main_thread(lambda: self.play(self.waiting_prompts()))

    async def keys_while_waiting(self) -> None:
        """1 at any time in the queue: in danger (once); 0: anyone free rather than the code's
        psychologist; 9 once a supervisor is offered: ask for one; other keys are ignored."""
        while True:
            digit = await self.digits.get()
            if digit == "1" and not self.urgent and self.waiting:
                self.urgent = True
                await self.mark_urgent()
            elif digit == "0" and self.preferred and self.waiting:
                self.preferred = None
                await self.send({"type": "queue.anyone", "call_id": self.line_call_id})
            elif digit == SUPERVISOR_KEY and self.supervisor_offered and not self.supervisor_asked:
                await self.ask_for_supervisor()

    async def ask_for_supervisor(self) -> None:
        if not self.waiting:
            return
        self.supervisor_asked = True
        logger.info("phone call %s asked for a supervisor", self.token)
        await self.send({"type": "queue.supervisor", "call_id": self.line_call_id})
        self.agent.main_thread(lambda: self.play(["supervisor_asked", *self.waiting_prompts()]))

    async def mark_urgent(self) -> None:
        await self.send({"type": "queue.urgent", "call_id": self.line_call_id})
        self.agent.main_thread(lambda: self.play(["urgent", *self.waiting_prompts()]))

    def waiting_prompts(self) -> list[str]:
        """The wait's loop: the place and an honest estimate, then reassurance (about 35 s a round)."""
        said = prompts.place_and_wait(*self.place) if self.place else []
        if self.supervisor_offered and not self.supervisor_asked:
            said.append("supervisor_offer")
        return [*said, "waiting", "waiting", "waiting", "waiting"] if said else ["waiting"]

    def heard_place(self, event: dict) -> None:
        place = (event["position"], event.get("estimated_wait"))
        # Said again when it changed, at most every PLACE_SECONDS (the loop says it each round anyway).
        if place != self.place and time.monotonic() - self.place_said_at >= PLACE_SECONDS:
            self.place, self.place_said_at = place, time.monotonic()
            self.agent.main_thread(lambda: self.play(self.waiting_prompts()))
        elif self.place is None:
            self.place = place

    def connect(self):
        """The call's socket on the line, opened with the agent's secret and the edge's hashes."""
        headers = {
            "X-Ecoute-Telephony-Secret": self.agent.secret,
            "X-Ecoute-Source": self.sources[0],
            "X-Ecoute-Source-Previous": self.sources[1],
        }
        return websockets.connect(self.agent.url, additional_headers=headers, origin=self.agent.origin)

    async def record_left_in_menu(self) -> None:
        """Tell the line this caller hung up in the menu: it keeps an abandoned call, linked to nothing."""
        seconds = round(min(time.monotonic() - self.answered_at, 600), 1)
        try:
            async with self.connect() as socket:
                await socket.send(json.dumps({"type": "menu.left", "seconds": seconds}))
                async with asyncio.timeout(10):
                    answer = json.loads(await socket.recv())
            logger.info("phone call %s hung up in the menu: %s", self.token, answer.get("type"))
        except (OSError, TimeoutError, websockets.WebSocketException) as error:
            logger.warning(
                "phone call %s: the menu hang-up was not recorded (%s)", self.token, type(error).__name__
            )

    async def join_line(self) -> None:
        try:
            async with self.connect() as socket:
                self.socket = socket
                hello = {"type": "hello", "caller_key": secrets.token_urlsafe(32)}
                if self.code:
                    await self.send({**hello, "follow_up_code": self.code})  # queue.join follows its answer
                else:
                    await self.send(hello)
                    await self.join_queue()
                keys = self.agent.loop.create_task(self.keys_while_waiting())
                try:
                    async for text in socket:
                        await self.on_event(json.loads(text))
                        if self.ended:
                            break
                    # Hung up while the join was on its way: the call leaves the queue now rather
                    # than when the server stops seeing it (an error answer if it had ended already).
                    if (
                        self.ended
                        and self.line_call_id
                        and not self.hang_up_told
                        and not self.feedback_ticket
                    ):
                        await self.tell_hang_up()
                finally:
                    keys.cancel()
                    for task in (self.later, self.offer_later):
                        if task is not None:
                            task.cancel()
                await self.ask_feedback()
        except (OSError, websockets.WebSocketException) as error:
            logger.warning("phone call %s: the line is unreachable (%s)", self.token, type(error).__name__)
            await self.say_unavailable()
        except Exception:
            # A fault of this call's bridge must not take the other calls of the process down.
            logger.exception("phone call %s failed", self.token)
            await self.say_unavailable()
        finally:
            self.socket = None
            await self.close_peer()
            self.agent.main_thread(self.hang_up)

    async def tell_hang_up(self) -> None:
        """Tell the line the caller hung up, once (a second time the socket is closed already)."""
        self.hang_up_told = True
        await self.send({"type": "call.hangup", "call_id": self.line_call_id})

    async def say_unavailable(self) -> None:
        if not self.ended:
            self.agent.main_thread(lambda: self.play(["unavailable"], loop=False))
            await asyncio.sleep(8)

    async def join_queue(self, psychologist_id: int | None = None) -> None:
        event = {"type": "queue.join"}
        if self.language == "en":
            event["language"] = "en"
        if psychologist_id:
            event["psychologist_id"] = psychologist_id
        await self.send(event)

    async def send(self, event: dict) -> None:
        await self.socket.send(json.dumps(event))

    async def on_event(self, event: dict) -> None:
        kind = event.get("type")
        if kind == "follow_up":
            self.preferred = event.get("psychologist_id") if event.get("known") else None
            self.code_limited = bool(event.get("limited"))
            verdict = "not checked (too many wrong codes)" if self.code_limited else "unknown"
            logger.info(
                "phone call %s: the code de suivi is %s", self.token, "known" if self.preferred else verdict
            )
            await self.join_queue(self.preferred)
        elif kind == "queue.joined":
            self.line_call_id, self.waiting = event["call_id"], True
            logger.info("phone call %s is line call %s", self.token, self.line_call_id)
            if self.urgent:
                await self.mark_urgent()
            else:
                self.agent.main_thread(lambda: self.play([*self.code_answer(), *self.waiting_prompts()]))
            if self.preferred:
                self.later = self.agent.loop.create_task(self.someone_else_later())
            self.offer_later = self.agent.loop.create_task(self.offer_supervisor_later())
        elif kind == "queue.position":
            self.heard_place(event)
        elif kind == "call.ringing" and event.get("ice"):
            await self.prepare(event["ice"])
        elif kind == "call.accepted":
            self.waiting = False
            self.agent.main_thread(self.stop_prompt)
            await self.offer(event["ice"])
        elif kind == "signal":
            await self.on_signal(event["signal"], event.get("from", "psychologist"))
        elif kind == "call.supervisor_joined":  # warm transfer: the supervisor's browser joins too
            await self.offer(event["ice"], to="supervisor")
        elif kind == "call.supervisor_left":
            await self.close_peer("supervisor")
        elif kind == "call.handed_over":
            await self.hand_over()
        elif kind == "call.ended":
            logger.info("phone call %s ended by the line (%s)", self.token, event.get("reason"))
            self.feedback_ticket = event.get("feedback_ticket")  # the psychologist hung up: asked after
            self.ended = True  # the socket closes, then the SIP leg is hung up (join_line)
        elif kind == "call.unanswered" and not event.get("queued"):
            await self.send({"type": "queue.join", "call_id": self.line_call_id})
        elif kind == "error":
            logger.warning("phone call %s: the line said %s", self.token, event.get("code"))
            if event.get("code") == "unknown_language":  # nobody speaks it now: the same fallback as the app
                self.language = "fr"
                await self.join_queue(self.preferred)
            elif event.get("code") == "not_your_psychologist":  # the code's psychologist left the line
                self.preferred = None
                await self.join_queue()
            elif event.get("code") in ("blocked", "proof_required", "too_many_calls", "too_many_connections"):
                # Refused by the abuse limits: said so (with the emergency numbers), then hung up.
                await self.say_unavailable()
                self.ended = True

    async def ask_feedback(self) -> None:
        """After the psychologist hung up: « Cet appel vous a-t-il aidé ? 1 oui, 2 un peu, 3 non ».

        The key pressed is sent with the ticket of the call's end and counted by the line on the
        channel phone, linked to no call; no key in time, or the caller hanging up: nothing is sent.
        Nothing of it is logged (a line naming this call would tie the answer to it).
        """
        ticket, self.feedback_ticket = self.feedback_ticket, None
        if not ticket or self.sip_closed:
            return
        await self.close_peer()  # the psychologist's browser has left the call
        while not self.digits.empty():  # keys pressed during the call are no answer
            self.digits.get_nowait()
        self.agent.main_thread(lambda: self.play(["feedback"], loop=False))
        helped = await self.feedback_key()
        if helped is None:
            return
        await self.send({"type": "feedback.give", "ticket": ticket, "helped": helped})
        try:
            async with asyncio.timeout(10):
                async for text in self.socket:
                    if json.loads(text).get("type") in ("feedback.counted", "error"):
                        break
        except TimeoutError:
            pass  # the line is slow: the caller is thanked all the same
        self.agent.main_thread(lambda: self.play(["feedback_thanks"], loop=False))
        await asyncio.sleep(_seconds(prompt_file("feedback_thanks", self.language)))

    async def feedback_key(self) -> str | None:
        """The answer keyed while the question is said or a short pause after it, or None."""
        try:
            async with asyncio.timeout(
                _seconds(prompt_file("feedback", self.language)) + self.agent.menu_pause
            ):
                while (digit := await self.digits.get()) not in (*FEEDBACK_KEYS, HUNG_UP):
                    pass
                return FEEDBACK_KEYS.get(digit)
        except TimeoutError:
            return None

    def code_answer(self) -> list[str]:
        """What is said of the code de suivi keyed in the menu (nothing when none was)."""
        if not self.code:
            return []
        if self.code_limited:
            return ["code_limited"]
        return ["code_known" if self.preferred else "code_unknown"]

    async def leave_line(self) -> None:
        if self.socket is not None and self.line_call_id:
            try:
                await self.tell_hang_up()
                await self.socket.close()
            except websockets.WebSocketException:
                pass
        await self.close_peer()

    # --- WebRTC towards the psychologist's browser ------------------------------------------------

    async def prepare(self, ice: dict) -> None:
        """The call rings: make the psychologist's peer connection now (its relay allocation is most
        of the time an accept would otherwise wait for). Kept if the call rings someone else next,
        while its credentials last."""
        if self.prepared is not None and time.time() < self.prepared_until:
            return
        await self.drop_prepared()
        self.prepared, self.prepared_until = self.agent.loop.create_task(new_peer(ice)), usable_until(ice)

    async def drop_prepared(self) -> None:
        prepared, self.prepared = self.prepared, None
        if prepared is None:
            return
        prepared.cancel()
        try:
            peer, _ = await prepared
        except (asyncio.CancelledError, Exception):
            return  # never made: nothing to close
        await peer.close()

    async def ready_peer(self, ice: dict, to: str) -> tuple[RTCPeerConnection, "CallerVoice"]:
        """The peer connection prepared while the call rang, if it is still good, or a new one."""
        prepared, self.prepared = self.prepared, None
        if prepared is not None and to == "psychologist" and time.time() < self.prepared_until:
            try:
                return await prepared
            except Exception:
                logger.warning("phone call %s: the peer prepared while ringing failed", self.token)
        elif prepared is not None:
            self.prepared = prepared
            await self.drop_prepared()
        return await new_peer(ice)

    async def offer(self, ice: dict, to: str = "psychologist") -> None:
        """Offer WebRTC to the browser of TO (the caller's side always offers, as the app does)."""
        peer, voice = await self.ready_peer(ice, to)
        self.peers[to] = peer
        bridge = await self.agent.in_main_thread(self._open_bridge)
        bridge.add(to, voice)

        @peer.on("track")
        def on_track(track):
            self.hearing[peer] = self.agent.loop.create_task(self._to_caller(track, peer))

        @peer.on("connectionstatechange")
        async def on_state():
            if peer.connectionState == "failed" and (who := self.role_of(peer)):
                # The browser may not know (its side of the handshake can succeed): closing ours
                # stops our answers to its consent checks, so its call says the audio does not pass.
                logger.warning("phone call %s: the media with the %s's browser failed", self.token, who)
                await self.close_peer(who)

        description = peer.localDescription
        await self.send(
            {
                "type": "signal",
                "call_id": self.line_call_id,
                "to": to,
                "signal": {"description": {"type": description.type, "sdp": description.sdp}},
            }
        )

    def _open_bridge(self) -> AudioBridge:
        if self.bridge is None:
            self.bridge = AudioBridge(self.agent.loop)
            audio = self._audio()
            audio.startTransmit(self.bridge)
            self.bridge.startTransmit(audio)
        return self.bridge

    def role_of(self, peer: RTCPeerConnection) -> str | None:
        """Whose browser this connection is with now (a supervisor's becomes the psychologist's)."""
        return next((role for role, known in self.peers.items() if known is peer), None)

    async def _to_caller(self, track, peer: RTCPeerConnection) -> None:
        # The bridge is looked up for each frame, never held: only the call owns it, so that it is
        # destroyed with the call's media (release_media), while PJSIP is up.
        resampler = AudioResampler(format="s16", layout="mono", rate=RATE)
        while True:
            try:
                frame = await track.recv()
            except MediaStreamError:
                return
            who, bridge = self.role_of(peer), self.bridge
            if who is None or bridge is None:
                return  # that browser left the call, or the call is over
            if frame.sample_rate == RATE and frame.format.name == "s16" and len(frame.layout.channels) == 1:
                bridge.speak(who, bytes(frame.planes[0])[: frame.samples * 2])  # G.711 decoded: as is
                continue
            for converted in resampler.resample(frame):
                bridge.speak(who, bytes(converted.planes[0])[: converted.samples * 2])

    async def on_signal(self, signal: dict, sender: str = "psychologist") -> None:
        peer = self.peers.get(sender)
        if peer is None:
            return
        if "description" in signal:
            description = signal["description"]
            await peer.setRemoteDescription(
                RTCSessionDescription(sdp=description["sdp"], type=description["type"])
            )
        elif signal.get("candidate"):
            candidate = signal["candidate"]
            line = candidate.get("candidate", "")
            if line:
                parsed = candidate_from_sdp(line.split(":", 1)[1] if line.startswith("candidate:") else line)
                parsed.sdpMid, parsed.sdpMLineIndex = candidate.get("sdpMid"), candidate.get("sdpMLineIndex")
                await peer.addIceCandidate(parsed)

    async def close_peer(self, who: str | None = None) -> None:
        """Close the connection with WHO's browser, or with every browser (and the one prepared)."""
        if who is None:
            await self.drop_prepared()
        for party in [who] if who else list(self.peers):
            peer = self.peers.pop(party, None)
            if self.bridge is not None:
                self.bridge.remove(party)
            if peer is not None:
                if (hearing := self.hearing.pop(peer, None)) is not None:
                    hearing.cancel()
                await peer.close()

    async def hand_over(self) -> None:
        """The psychologist left a call the supervisor joined: the supervisor's browser carries it on."""
        await self.close_peer("psychologist")
        if "supervisor" in self.peers:
            self.peers["psychologist"] = self.peers.pop("supervisor")
            if self.bridge is not None:
                self.bridge.rename("supervisor", "psychologist")


async def new_peer(ice: dict) -> tuple[RTCPeerConnection, CallerVoice]:
    """A peer connection with ICE, the caller's voice to send, and its offer made: candidates gathered."""
    servers = [
        RTCIceServer(
            urls=server["urls"], username=server.get("username"), credential=server.get("credential")
        )
        for server in ice.get("iceServers", [])
    ]
    peer = RTCPeerConnection(
        RTCConfiguration(
            iceServers=servers,
            iceTransportPolicy=RTCIceTransportPolicy(ice.get("iceTransportPolicy", "all")),
        )
    )
    voice = CallerVoice()
    transceiver = peer.addTransceiver(voice, direction="sendrecv")
    voice.transceiver = transceiver
    without_receiving_delay(transceiver)
    # G.711 end to end where the browser accepts it: no transcoding of the phone's audio.
    codecs = RTCRtpSender.getCapabilities("audio").codecs
    transceiver.setCodecPreferences(
        [c for c in codecs if c.mimeType == "audio/PCMU"] + [c for c in codecs if c.mimeType != "audio/PCMU"]
    )
    try:
        await peer.setLocalDescription(await peer.createOffer())
    except BaseException:
        await peer.close()
        raise
    return peer, voice


def usable_until(ice: dict) -> float:
    """Until when a peer made with ICE may be used: a minute before its TURN credentials expire (the
    relay refuses the permissions asked with them afterwards). coturn's usernames start with it."""
    expiries = [
        int(server["username"].split(":", 1)[0])
        for server in ice.get("iceServers", [])
        if str(server.get("username", "")).split(":", 1)[0].isdigit()
    ]
    return min(expiries) - 60 if expiries else math.inf


class LineAccount(pj.Account):
    def __init__(self, agent: "Agent"):
        super().__init__()
        self.agent = agent

    def onIncomingCall(self, prm):
        headers = edge_headers(prm.rdata.wholeMsg)
        token = headers.get("x-ecoute-call", "")
        sources = (headers.get("x-ecoute-source", ""), headers.get("x-ecoute-source-previous", ""))
        call = PhoneCall(self.agent, self, prm.callId, token, sources)
        answer = pj.CallOpParam()
        if not _TOKEN.match(token) or not sources[0]:
            answer.statusCode = 403  # not through the edge: nothing to vouch for the call's anonymity
            call.answer(answer)
            return
        answer.statusCode = 200
        call.answer(answer)
        self.agent.calls[token] = call
        logger.info("phone call %s answered", token)


def use_g711_only(endpoint) -> None:
    """G.711 (µ-law first, then A-law), what the phone network carries: no transcoding, 8 kHz end to end."""
    for codec in endpoint.codecEnum2():
        endpoint.codecSetPriority(codec.codecId, 0)
    endpoint.codecSetPriority("PCMU/8000", 255)
    endpoint.codecSetPriority("PCMA/8000", 254)


def prompt_file(name: str, language: str):
    """A prompt's file: NAME in LANGUAGE, or in the language it names itself ("en:offer")."""
    named, _, bare = name.rpartition(":")
    return prompts.path(bare, named or language)


def _seconds(wav_path) -> float:
    with wave.open(str(wav_path)) as wav:
        return wav.getnframes() / wav.getframerate()


class Agent:
    def __init__(
        self,
        url: str,
        secret: str,
        address: str,
        port: int,
        rtp_port: int = 40000,
        menu_pause: float = 4,
        preferred_wait: float = 120,
        supervisor_offer: float = 120,
    ):
        self.url, self.secret, self.address, self.port, self.rtp_port = url, secret, address, port, rtp_port
        self.menu_pause = menu_pause  # seconds a key is awaited after the menu was said
        self.preferred_wait = preferred_wait  # seconds a code's caller waits for that psychologist only
        self.supervisor_offer = supervisor_offer  # seconds of waiting before a supervisor is offered
        self.origin = re.sub(r"^ws", "http", url.split("/ws/", 1)[0])
        self.calls: dict[str, PhoneCall] = {}
        self.loop: asyncio.AbstractEventLoop | None = None
        self._main_thread_work: collections.deque = collections.deque()

    def main_thread(self, work) -> None:
        """Run WORK on the main thread, soon, outside PJSIP's callbacks (PJSIP objects are not
        thread-safe here; the asyncio loop runs on the main thread, between two polls of PJSIP)."""
        self._main_thread_work.append(work)
        if len(self._main_thread_work) == 1:
            self.loop.call_soon(self._run_main_thread_work)

    async def in_main_thread(self, work):
        future = self.loop.create_future()

        def run():
            try:
                future.set_result(work())
            except Exception as error:  # handed to the awaiting coroutine
                future.set_exception(error)

        self.main_thread(run)
        return await future

    def start_sip(self) -> None:
        global MENU_SECONDS
        MENU_SECONDS = sum(
            _seconds(prompts.path(*reversed(name.split(":"))) if ":" in name else prompts.path(name))
            for name in MENU
        )
        self.endpoint = pj.Endpoint()
        self.endpoint.libCreate()
        config = pj.EpConfig()
        config.uaConfig.threadCnt = 0
        config.uaConfig.mainThreadOnly = True
        config.uaConfig.maxCalls = 4  # what the wheel is built with (docs/telephony.md)
        config.uaConfig.userAgent = "ecoute"
        # PJSIP's own lines can name addresses (its sockets, the peers'): none unless asked for.
        config.logConfig.level = int(os.environ.get("ECOUTE_PJSIP_LOG_LEVEL", "0"))
        config.logConfig.consoleLevel = config.logConfig.level
        config.logConfig.msgLogging = 0  # SIP messages are never logged
        config.medConfig.clockRate = RATE
        config.medConfig.sndClockRate = RATE
        config.medConfig.noVad = True
        config.medConfig.jbMaxPre = JITTER_MAX_PREFETCH_MS
        config.medConfig.jbMax = JITTER_MAX_MS
        self.endpoint.libInit(config)
        transport = pj.TransportConfig()
        transport.port = self.port
        transport.boundAddress = self.address
        self.endpoint.transportCreate(pj.PJSIP_TRANSPORT_UDP, transport)
        self.endpoint.libStart()
        self.endpoint.audDevManager().setNullDev()
        use_g711_only(self.endpoint)
        account_config = pj.AccountConfig()
        account_config.idUri = f"sip:line@{self.address}:{self.port}"
        account_config.mediaConfig.transportConfig.boundAddress = self.address
        account_config.mediaConfig.transportConfig.port = self.rtp_port
        account_config.mediaConfig.transportConfig.portRange = 400  # 2 ports (RTP, RTCP) a call
        # SIP session timers (RFC 4028) when the operator asks for them: the agent answers refreshes
        # (re-INVITE or UPDATE, through the edge) and refreshes itself when it is the refresher; a
        # call whose refreshes stop (a trunk that lost it) ends after the interval.
        account_config.callConfig.timerUse = pj.PJSUA_SIP_TIMER_OPTIONAL
        account_config.callConfig.timerSessExpiresSec = 1800
        account_config.callConfig.timerMinSESec = 90
        self.account = LineAccount(self)
        self.account.create(account_config)

    async def run(self, stop: asyncio.Event) -> None:
        self.loop = asyncio.get_running_loop()
        self.start_sip()
        logger.info("the phone line's media agent answers on port %s", self.port)
        while not stop.is_set():
            self.endpoint.libHandleEvents(0)
            self._forget_ended()
            # The audio runs on PJSIP's clock thread; this loop only hands SIP events on (an INVITE,
            # a key, a BYE): it need not spin (at 5 ms, an idle agent took 2.3 % of a core).
            await asyncio.sleep(POLL_SECONDS if self.calls else IDLE_POLL_SECONDS)
        for call in list(self.calls.values()):
            call.hang_up()
        for _ in range(50):
            self.endpoint.libHandleEvents(10)
        for call in list(self.calls.values()):
            call.thisown = False  # see _forget_ended
            call.release_media()
        self.calls.clear()
        self.account = None
        self.endpoint.libDestroy()

    def _run_main_thread_work(self) -> None:
        """The calls' work (a prompt to play, a bridge to open); a call that ended meanwhile must not
        take the process, and the other calls, down with it."""
        while self._main_thread_work:
            work = self._main_thread_work.popleft()
            try:
                work()
            except pj.Error:
                logger.warning("a phone call's media work failed (the call had ended)")
            except Exception:
                # Any other failure is one call's defect: the work queued behind it (other calls'
                # prompts and bridges) must still run, or the agent would fall silent for them all.
                logger.exception("a phone call's media work failed")

    def _forget_ended(self) -> None:
        for token, call in list(self.calls.items()):
            if call.ended and (call.session is None or call.session.done()):
                # This build of the bindings asserts in a Call's destructor once the call is over:
                # the C++ object (a few hundred bytes) is left behind rather than the process aborted.
                call.thisown = False
                call.release_media()
                del self.calls[token]


class _BlankAddresses(logging.Filter):
    """A second line of defence: no IPv4 address in any line the agent writes (a library's included)."""

    ADDRESS = re.compile(r"(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?![\d.])")

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = self.ADDRESS.sub("0.0.0.0", record.getMessage())
        record.args = ()
        return True


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    for handler in logging.getLogger().handlers:
        handler.addFilter(_BlankAddresses())
    # ICE's own lines name addresses (the relay's, the peers'): only its warnings are written.
    logging.getLogger("aioice").setLevel(logging.WARNING)
    url = os.environ.get("ECOUTE_TELEPHONY_URL", "ws://127.0.0.1:8000/ws/telephony/")
    secret = os.environ.get("ECOUTE_TELEPHONY_SECRET", "")
    if not secret:
        raise SystemExit("ECOUTE_TELEPHONY_SECRET is empty: the server would refuse every phone call")
    missing = prompts.missing()
    if missing:
        raise SystemExit(
            f"prompts missing in {prompts.folder()}: {', '.join(missing)} (tools/make_prompts.py)"
        )
    agent = Agent(
        url,
        secret,
        os.environ.get("ECOUTE_SIP_MEDIA_ADDRESS", "127.0.0.1"),
        int(os.environ.get("ECOUTE_SIP_MEDIA_PORT", "5080")),
        int(os.environ.get("ECOUTE_SIP_RTP_PORT", "40000")),
        float(os.environ.get("ECOUTE_PHONE_MENU_PAUSE", "4")),
        float(os.environ.get("ECOUTE_PHONE_PREFERRED_WAIT", "120")),
        float(os.environ.get("ECOUTE_PHONE_SUPERVISOR_OFFER", "120")),
    )

    async def serve():
        stop = asyncio.Event()
        for signum in (signal.SIGTERM, signal.SIGINT):
            asyncio.get_running_loop().add_signal_handler(signum, stop.set)
        await agent.run(stop)

    asyncio.run(serve())


if __name__ == "__main__":
    main()
