"""A PJSIP end of phone calls for bench/phone_bridge.py: a caller dialling the line, or a plain line answering.

    caller: python bench/_phone_peer.py caller --edge 127.0.0.1:P --calls 4 --stats out.json [--digits 1]
    line:   python bench/_phone_peer.py line --port P --stats out.json

Up to 4 calls (the pjsua2 wheel's limit per process). Each call says tone bursts (bench/_tone.py, the
frequency of its slot) and listens for the far end's; every second, and at the end, the process
writes what each call sent, heard and counted (RTP packets and losses from PJSIP's stream
statistics) to the stats file. It hangs up after --seconds, or at SIGTERM.
"""

import argparse
import json
import os
import signal
import sys
import time
from pathlib import Path

import pjsua2 as pj

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _tone import FRAME_SAMPLES, FREQUENCIES, RATE, Listener, Sender  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from ecoute.telephony.frames import set_frame_audio, vector_bytes  # noqa: E402

LINE_NUMBER = "0805232336"


class Probe(pj.AudioMediaPort):
    """A port of PJSIP's conference bridge that says the bursts and hears the far end."""

    def __init__(self, frequency: float):
        super().__init__()
        self.sender, self.listener = Sender(frequency), Listener()
        audio_format = pj.MediaFormatAudio()
        audio_format.init(pj.PJMEDIA_FORMAT_PCM, RATE, 1, 20000, 16)
        self.createPort("probe", audio_format)

    def onFrameRequested(self, frame):
        frame.type = pj.PJMEDIA_FRAME_TYPE_AUDIO
        set_frame_audio(frame, self.sender.next_frame())
        frame.size = FRAME_SAMPLES * 2

    def onFrameReceived(self, frame):
        if frame.type == pj.PJMEDIA_FRAME_TYPE_AUDIO and frame.size:
            self.listener.hear(vector_bytes(frame.buf))


class ProbedCall(pj.Call):
    def __init__(self, account, slot: int, call_id: int = pj.PJSUA_INVALID_ID):
        super().__init__(account, call_id)
        self.slot = slot
        self.probe: Probe | None = None
        self.answered_at = self.ended_at = None
        self.rtp = {
            "received": 0,
            "lost": 0,
            "sent": 0,
            "lost_by_far_end": 0,
            "concealed": 0,
            "jitter_buffer_ms": 0,
        }

    def onCallState(self, prm):
        state = self.getInfo().state
        if state == pj.PJSIP_INV_STATE_CONFIRMED and self.answered_at is None:
            self.answered_at = time.time()
        elif state == pj.PJSIP_INV_STATE_DISCONNECTED and self.ended_at is None:
            self.ended_at = time.time()

    def onCallMediaState(self, prm):
        try:
            self._attach_probe()
        except Exception as error:  # an exception in a PJSIP callback would be swallowed silently
            print(f"call {self.slot}: no probe ({error!r})", file=sys.stderr, flush=True)

    def _attach_probe(self) -> None:
        if self.probe is not None:
            return
        info = self.getInfo()  # kept: its media vector dies with it
        for index, media in enumerate(info.media):
            if media.type == pj.PJMEDIA_TYPE_AUDIO and media.status == pj.PJSUA_CALL_MEDIA_ACTIVE:
                audio = self.getAudioMedia(index)
                self.probe = Probe(FREQUENCIES[self.slot % len(FREQUENCIES)])
                audio.startTransmit(self.probe)
                self.probe.startTransmit(audio)
                return

    def read_rtp(self) -> None:
        """PJSIP's counters of the stream while it lives (kept from the last reading once it is gone)."""
        if self.ended_at is not None or self.probe is None:
            return
        try:
            stat = self.getStreamStat(0)
        except pj.Error:
            return
        rtcp, jbuf = stat.rtcp, stat.jbuf
        self.rtp = {
            "received": rtcp.rxStat.pkt,
            "lost": rtcp.rxStat.loss,
            "sent": rtcp.txStat.pkt,
            "lost_by_far_end": rtcp.txStat.loss,  # as the far end's RTCP reports tell
            # Frames the jitter buffer had nothing (in time) to play: gaps the caller hears, concealed.
            "concealed": jbuf.empty + jbuf.lost,
            "jitter_buffer_ms": jbuf.avgDelayMsec,
        }

    def summary(self) -> dict:
        probe = self.probe
        return {
            "slot": self.slot,
            "answered_at": self.answered_at,
            "ended_at": self.ended_at,
            "rtp": self.rtp,
            "sent": probe.sender.sent if probe else [],
            "heard": probe.listener.heard if probe else [],
            "tone_runs": probe.listener.tone_runs if probe else [],
            "frames_heard": probe.listener.frames if probe else 0,
            "first_frame_at": probe.listener.first_frame_at if probe else None,
        }


class LineAccount(pj.Account):
    def __init__(self, calls: list):
        super().__init__()
        self.calls = calls

    def onIncomingCall(self, prm):
        call = ProbedCall(self, len(self.calls), prm.callId)
        answer = pj.CallOpParam()
        answer.statusCode = 200
        call.answer(answer)
        self.calls.append(call)


def endpoint(port: int, rtp_port: int) -> pj.Endpoint:
    ep = pj.Endpoint()
    ep.libCreate()
    config = pj.EpConfig()
    config.uaConfig.threadCnt = 0
    config.uaConfig.mainThreadOnly = True
    config.uaConfig.maxCalls = 4
    config.logConfig.level = config.logConfig.consoleLevel = 0
    config.medConfig.clockRate = config.medConfig.sndClockRate = RATE
    config.medConfig.noVad = True
    ep.libInit(config)
    transport = pj.TransportConfig()
    transport.port, transport.boundAddress = port, "127.0.0.1"
    ep.transportCreate(pj.PJSIP_TRANSPORT_UDP, transport)
    ep.libStart()
    ep.audDevManager().setNullDev()
    for codec in ep.codecEnum2():  # G.711 only, as the phone network
        ep.codecSetPriority(codec.codecId, 0)
    ep.codecSetPriority("PCMU/8000", 255)
    ep.codecSetPriority("PCMA/8000", 254)
    return ep


def account_config(rtp_port: int, uri: str) -> pj.AccountConfig:
    config = pj.AccountConfig()
    config.idUri = uri
    config.mediaConfig.transportConfig.boundAddress = "127.0.0.1"
    config.mediaConfig.transportConfig.port = rtp_port
    config.mediaConfig.transportConfig.portRange = 40
    return config


def write_stats(path: Path, calls: list) -> None:
    for call in calls:
        call.read_rtp()
    scratch = path.with_suffix(".tmp")
    scratch.write_text(json.dumps({"at": time.time(), "calls": [call.summary() for call in calls]}))
    scratch.replace(path)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("role", choices=["caller", "line"])
    parser.add_argument("--edge", default="127.0.0.1:5060")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--rtp-port", type=int, default=46000)
    parser.add_argument("--calls", type=int, default=4)
    parser.add_argument("--first-number", type=int, default=600000000)
    parser.add_argument("--digits", default="")
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--stats", type=Path, required=True)
    args = parser.parse_args()
    ep = endpoint(args.port, args.rtp_port)
    calls: list[ProbedCall] = []
    if args.role == "line":
        account = LineAccount(calls)
        account.create(account_config(args.rtp_port, f"sip:line@127.0.0.1:{args.port}"))
    else:
        account = pj.Account()
        account.create(account_config(args.rtp_port, "sip:caller@127.0.0.1"))
        for slot in range(min(args.calls, 4)):
            number = f"0{args.first_number + slot}"
            config = account_config(args.rtp_port, f'"Appelant" <sip:{number}@127.0.0.1>')
            # Each call from a number of its own: the edge limits calls per number.
            numbered = pj.Account()
            numbered.create(config)
            call = ProbedCall(numbered, slot)
            call.account_kept = numbered
            call.makeCall(f"sip:{LINE_NUMBER}@{args.edge}", pj.CallOpParam(True))
            calls.append(call)
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(True))
    started = last_write = time.time()
    keyed = set()
    while not stop and time.time() - started < args.seconds:
        ep.libHandleEvents(10)
        for call in calls:
            if (
                args.digits
                and call.answered_at
                and call.slot not in keyed
                and time.time() - call.answered_at > 0.3
            ):
                call.dialDtmf(args.digits)
                keyed.add(call.slot)
        if time.time() - last_write >= 1:
            write_stats(args.stats, calls)
            last_write = time.time()
        if args.role == "caller" and calls and all(call.ended_at for call in calls):
            break
    write_stats(args.stats, calls)
    for call in calls:
        if call.ended_at is None:
            try:
                call.hangup(pj.CallOpParam(True))
            except pj.Error:
                pass
    for _ in range(50):
        ep.libHandleEvents(10)
    write_stats(args.stats, calls)
    # PJSIP's objects are left to the end of the process (tools/call_the_line.py says why).
    os._exit(0)


if __name__ == "__main__":
    sys.exit(main())
