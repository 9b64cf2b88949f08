"""Call the phone line as a phone would: through the SIP edge, with a number, saying something, listening.

    .venv/bin/python tools/call_the_line.py [--edge 127.0.0.1:5060] [--number 0612345678]
        [--say sentence.wav] [--digits 2] [--digits-every 5] [--seconds 30] [--record heard.wav]

A PJSIP user agent (pjsua2) dials the line's number at the edge, with the calling number in From,
Contact, P-Asserted-Identity, Remote-Party-ID and Diversion as an operator's trunk would present it
(the edge must strip them all), plays a WAV file (a 440 Hz tone when none is given), keys DTMF digits
once the call is answered, records what it hears, and prints a JSON summary at the end: when the
call was answered, how long it lasted, who hung up, and the loudness of what it heard every 100 ms.
"""

import argparse
import array
import json
import math
import os
import signal
import sys
import tempfile
import time
import wave
from pathlib import Path

import pjsua2 as pj

LINE_NUMBER = "0805232336"


def tone(path: Path, seconds: float = 60, frequency: float = 440) -> None:
    rate = 8000
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(
            b"".join(
                int(8000 * math.sin(2 * math.pi * frequency * i / rate)).to_bytes(2, "little", signed=True)
                for i in range(int(rate * seconds))
            )
        )


def loudness(path: Path, window_ms: int = 100, rate: int = 8000) -> list[int]:
    """RMS of each WINDOW_MS of the recording (16-bit, 8 kHz after the 44 bytes of PJSIP's WAV header,
    which is completed only when the recorder is destroyed: the samples are read as they are)."""
    frames = path.read_bytes()[44:]
    step = rate * window_ms // 1000 * 2
    levels = []
    for i in range(0, len(frames) - 1, step):
        samples = array.array("h", frames[i : i + step - (step % 2)])
        levels.append(int(math.sqrt(sum(s * s for s in samples) / len(samples))) if samples else 0)
    return levels


class Call(pj.Call):
    def __init__(self, account, say: Path, record: Path):
        super().__init__(account)
        self.say, self.record = say, record
        self.answered_at = None
        self.disconnected_at = None
        self.player = self.recorder = None

    def onCallState(self, prm):
        info = self.getInfo()
        if info.state == pj.PJSIP_INV_STATE_CONFIRMED and self.answered_at is None:
            self.answered_at = time.time()
        elif info.state == pj.PJSIP_INV_STATE_DISCONNECTED:
            self.disconnected_at = time.time()
            self.status = info.lastStatusCode

    def onCallMediaState(self, prm):
        info = self.getInfo()
        for index, media in enumerate(info.media):
            if (
                media.type == pj.PJMEDIA_TYPE_AUDIO
                and media.status == pj.PJSUA_CALL_MEDIA_ACTIVE
                and not self.player
            ):
                audio = self.getAudioMedia(index)
                self.player = pj.AudioMediaPlayer()
                self.player.createPlayer(str(self.say), 0)
                self.player.startTransmit(audio)
                self.recorder = pj.AudioMediaRecorder()
                self.recorder.createRecorder(str(self.record))
                audio.startTransmit(self.recorder)
                self.recording_started_at = time.time()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--edge", default="127.0.0.1:5060")
    parser.add_argument("--number", default="0612345678")
    parser.add_argument("--say", type=Path)
    parser.add_argument("--digits", default="")
    parser.add_argument("--digits-after", type=float, default=1.0, help="seconds after the answer")
    parser.add_argument(
        "--digits-every", type=float, default=0, help="key the digits again every this many seconds (0: once)"
    )
    parser.add_argument("--seconds", type=float, default=30, help="hang up after this long")
    parser.add_argument("--record", type=Path)
    parser.add_argument("--port", type=int, default=0, help="SIP port (0: any)")
    parser.add_argument("--rtp-port", type=int, default=46000, help="first RTP port tried")
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="ecoute-caller-"))
    say = args.say or scratch / "tone.wav"
    if not args.say:
        tone(say)
    record = args.record or scratch / "heard.wav"

    endpoint = pj.Endpoint()
    endpoint.libCreate()
    config = pj.EpConfig()
    config.uaConfig.threadCnt = 0
    config.uaConfig.mainThreadOnly = True
    config.logConfig.level = 0
    config.logConfig.consoleLevel = 0
    config.medConfig.clockRate = 8000
    config.medConfig.sndClockRate = 8000
    endpoint.libInit(config)
    transport = pj.TransportConfig()
    transport.port = args.port
    transport.boundAddress = "127.0.0.1"
    endpoint.transportCreate(pj.PJSIP_TRANSPORT_UDP, transport)
    endpoint.libStart()
    endpoint.audDevManager().setNullDev()
    # A phone network's codecs: G.711 only.
    for codec in endpoint.codecEnum2():
        endpoint.codecSetPriority(codec.codecId, 0)
    endpoint.codecSetPriority("PCMU/8000", 255)
    endpoint.codecSetPriority("PCMA/8000", 254)
    account_config = pj.AccountConfig()
    account_config.mediaConfig.transportConfig.boundAddress = "127.0.0.1"
    account_config.mediaConfig.transportConfig.port = args.rtp_port
    account_config.idUri = f'"Appelant {args.number}" <sip:{args.number}@127.0.0.1>'
    account = pj.Account()
    account.create(account_config)

    call = Call(account, say, record)
    operation = pj.CallOpParam(True)
    for name, value in (
        ("P-Asserted-Identity", f"<sip:+33{args.number.lstrip('0')}@operator.example;user=phone>"),
        ("Remote-Party-ID", f"<sip:{args.number}@operator.example>;party=calling;screen=yes"),
        ("Diversion", f"<sip:{args.number}@operator.example>;reason=unconditional"),
    ):
        header = pj.SipHeader()
        header.hName, header.hValue = name, value
        operation.txOption.headers.append(header)
    # SIGTERM hangs up as a caller putting the phone down would (the tests use it at a chosen moment).
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(True))
    started = time.time()
    call.makeCall(f"sip:{LINE_NUMBER}@{args.edge}", operation)
    next_digits_at = args.digits_after  # seconds after the answer
    hung_up_by = "line"
    while call.disconnected_at is None:
        endpoint.libHandleEvents(10)
        now = time.time()
        if call.answered_at and args.digits and now - call.answered_at >= next_digits_at:
            call.dialDtmf(args.digits)
            next_digits_at += args.digits_every or float("inf")
        if now - started >= args.seconds or stop:
            hung_up_by = "caller"
            call.hangup(pj.CallOpParam(True))
            for _ in range(100):
                endpoint.libHandleEvents(10)
                if call.disconnected_at:
                    break
            break
    recording_started = getattr(call, "recording_started_at", None)
    call.recorder = call.player = None
    summary = {
        "answered_after": round(call.answered_at - started, 3) if call.answered_at else None,
        "status": getattr(call, "status", None),
        "hung_up_by": hung_up_by,
        "recording_started_at": recording_started,
        "loudness_every_100ms": loudness(record) if record.exists() and record.stat().st_size > 44 else [],
    }
    print(json.dumps(summary), flush=True)
    # PJSIP's objects are left to the end of the process: destroying a Call after its disconnection
    # trips an assertion in this build of the bindings.
    os._exit(0)


if __name__ == "__main__":
    sys.exit(main())
