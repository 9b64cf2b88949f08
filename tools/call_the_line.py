"""Call the phone line as a phone would: through the SIP edge, with a number, saying something, listening.

    .venv/bin/python tools/call_the_line.py [--edge 127.0.0.1:5060] [--number 0612345678]
        [--say sentence.wav] [--digits 2] [--digits-every 5] [--seconds 30] [--record heard.wav]

A PJSIP user agent (pjsua2) dials the line's number at the edge, with the calling number in From,
Contact, P-Asserted-Identity, Remote-Party-ID and Diversion as an operator's trunk would present it
(the edge must strip them all), plays a WAV file (a 440 Hz tone when none is given), keys DTMF digits
once the call is answered, records what it hears, and prints a JSON summary at the end: when the
call was answered, how long it lasted, who hung up, and the loudness of what it heard every 100 ms.
SIGUSR1 puts the call on hold at once, off hold 2 s later, and sends an UPDATE 2 s after that (a test
chooses the moment: during a bridged call); --answers-to writes each final answer as it comes.
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
    def __init__(self, account, say: Path, record: Path, answers_to: Path | None = None):
        super().__init__(account)
        self.say, self.record, self.answers_to = say, record, answers_to
        self.answered_at = None
        self.disconnected_at = None
        self.player = self.recorder = None
        # The final answers of the call's transactions, in order: to this side's requests (the INVITE,
        # re-INVITEs, UPDATEs, BYE: "sent") and to the line's ("received", this side answered).
        self.answers: list[dict] = []
        self._answered_transactions: set = set()

    def answers_sent(self) -> int:
        """How many of this side's requests have had their final answer."""
        return sum(1 for answer in self.answers if answer["request"] == "sent")

    def onCallState(self, prm):
        info = self.getInfo()
        if info.state == pj.PJSIP_INV_STATE_CONFIRMED and self.answered_at is None:
            self.answered_at = time.time()
        elif info.state == pj.PJSIP_INV_STATE_DISCONNECTED:
            self.disconnected_at = time.time()
            self.status = info.lastStatusCode

    def onCallTsxState(self, prm):
        transaction = prm.e.body.tsxState.tsx
        final = transaction.statusCode >= 200 and transaction.state in (
            pj.PJSIP_TSX_STATE_COMPLETED,
            pj.PJSIP_TSX_STATE_TERMINATED,
        )
        key = str(transaction.pjTransaction)
        if final and key not in self._answered_transactions:
            self._answered_transactions.add(key)
            answer = {
                "request": "sent" if transaction.role == pj.PJSIP_ROLE_UAC else "received",
                "method": transaction.method,
                "status": transaction.statusCode,
                "at": time.time(),
            }
            self.answers.append(answer)
            if self.answers_to:
                with self.answers_to.open("a") as out:
                    out.write(json.dumps(answer) + "\n")

    def onCallMediaState(self, prm):
        info = self.getInfo()
        for index, media in enumerate(info.media):
            if media.type == pj.PJMEDIA_TYPE_AUDIO and media.status == pj.PJSUA_CALL_MEDIA_ACTIVE:
                audio = self.getAudioMedia(index)
                if not self.player:
                    self.player = pj.AudioMediaPlayer()
                    self.player.createPlayer(str(self.say), 0)
                    self.recorder = pj.AudioMediaRecorder()
                    self.recorder.createRecorder(str(self.record))
                    self.recording_started_at = time.time()
                # Again after a re-INVITE (unhold): its audio may be a new port of the bridge.
                self.player.startTransmit(audio)
                audio.startTransmit(self.recorder)


def send_in_dialog(call: Call, action: str) -> None:
    """Hold (a re-INVITE with the audio sendonly), unhold (a re-INVITE sendrecv again), or an UPDATE."""
    operation = pj.CallOpParam(True)
    if action == "hold":
        call.setHold(operation)
    elif action == "unhold":
        operation.opt.flag = pj.PJSUA_CALL_UNHOLD
        call.reinvite(operation)
    else:
        call.update(operation)


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
    parser.add_argument(
        "--hold-after",
        type=float,
        default=0,
        help="put the line on hold this long after the answer (re-INVITE), "
        "and take it off hold 2 s later (0: never)",
    )
    parser.add_argument(
        "--update-after", type=float, default=0, help="send an UPDATE this long after the answer"
    )
    parser.add_argument(
        "--session-expires",
        type=int,
        default=0,
        help="ask for SIP session timers of this many seconds (90 at least)",
    )
    parser.add_argument("--answers-to", type=Path, help="append each final answer here, a JSON line each")
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
    if args.session_expires:  # RFC 4028: the session is refreshed at half the interval
        account_config.callConfig.timerUse = pj.PJSUA_SIP_TIMER_ALWAYS
        account_config.callConfig.timerSessExpiresSec = args.session_expires
        account_config.callConfig.timerMinSESec = 90
    account = pj.Account()
    account.create(account_config)

    call = Call(account, say, record, args.answers_to)
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
    asked = []  # SIGUSR1: hold, unhold and UPDATE from now (a re-INVITE during the call the test chose)
    signal.signal(signal.SIGUSR1, lambda *_: asked.append(time.time()))
    started = time.time()
    call.makeCall(f"sip:{LINE_NUMBER}@{args.edge}", operation)
    next_digits_at = args.digits_after  # seconds after the answer
    # In-dialog requests of this side, each at its time after the answer.
    in_dialog = sorted(
        (at, action)
        for at, action in (
            (args.hold_after, "hold"),
            (args.hold_after + 2, "unhold"),
            (args.update_after, "update"),
        )
        if at and (action != "unhold" or args.hold_after)
    )
    hung_up_by = "line"
    answered_before_last_request = 0  # the call's INVITE is the first request this side sends
    while call.disconnected_at is None:
        endpoint.libHandleEvents(10)
        now = time.time()
        if asked and call.answered_at:
            since_answer = asked.pop() - call.answered_at
            in_dialog = sorted(
                [
                    *in_dialog,
                    (since_answer, "hold"),
                    (since_answer + 2, "unhold"),
                    (since_answer + 4, "update"),
                ]
            )
        if call.answered_at and args.digits and now - call.answered_at >= next_digits_at:
            call.dialDtmf(args.digits)
            next_digits_at += args.digits_every or float("inf")
        # One in-dialog request at a time: on a busy machine the line may answer the hold after the
        # unhold's time, and PJSIP refuses a second re-INVITE while the first is unanswered.
        if (
            call.answered_at
            and in_dialog
            and now - call.answered_at >= in_dialog[0][0]
            and call.answers_sent() > answered_before_last_request
        ):
            answered_before_last_request = call.answers_sent()
            send_in_dialog(call, in_dialog.pop(0)[1])
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
        "answers": [
            {**answer, "after": round(answer["at"] - call.answered_at, 3) if call.answered_at else None}
            for answer in call.answers
        ],
        "loudness_every_100ms": loudness(record) if record.exists() and record.stat().st_size > 44 else [],
    }
    print(json.dumps(summary), flush=True)
    # PJSIP's objects are left to the end of the process: destroying a Call after its disconnection
    # trips an assertion in this build of the bindings.
    os._exit(0)


if __name__ == "__main__":
    sys.exit(main())
