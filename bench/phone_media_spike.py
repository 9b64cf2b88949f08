"""The spike that chose the media side (docs/telephony.md): a PJSIP agent answering calls through Kamailio.

Measures what decides between (a) a PJSIP (pjsua2) agent bridging to the browsers and (b) Janus's SIP
plugin: how a call is answered (INVITE -> 200 OK at the caller, through the edge), whether the agent
plays audio (the voice menu) from a WAV file, and the CPU an answered call with audio costs.
Run: .venv/bin/python bench/phone_media_spike.py [calls]. Needs kamailio and sipp (sip-tester).
"""

import os
import re
import resource
import subprocess
import sys
import tempfile
import threading
import time
import wave
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tools import sip_edge  # noqa: E402

EDGE_PORT, MEDIA_PORT, CALLER_PORT = 25060, 25080, 25070


def tone_wav(path: Path, seconds: float = 30.0) -> None:
    """A 440 Hz tone, 8 kHz 16-bit mono: what the agent plays to each caller."""
    import math

    rate = 8000
    frames = bytearray()
    for i in range(int(rate * seconds)):
        value = int(8000 * math.sin(2 * math.pi * 440 * i / rate))
        frames += value.to_bytes(2, "little", signed=True)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(bytes(frames))


def run_agent(prompt: Path, ready: threading.Event, stop: threading.Event, answered: list) -> None:
    import pjsua2 as pj

    endpoint = pj.Endpoint()
    endpoint.libCreate()
    config = pj.EpConfig()
    config.uaConfig.threadCnt = 0
    config.uaConfig.mainThreadOnly = True
    config.uaConfig.maxCalls = 32  # the wheel caps it at 4 all the same (docs/telephony.md)
    config.logConfig.level = int(os.environ.get("PJ_LOG", "0"))
    config.logConfig.consoleLevel = int(os.environ.get("PJ_LOG", "0"))
    config.logConfig.msgLogging = 0
    config.medConfig.noVad = True
    endpoint.libInit(config)
    transport = pj.TransportConfig()
    transport.port = MEDIA_PORT
    transport.boundAddress = "127.0.0.1"
    endpoint.transportCreate(pj.PJSIP_TRANSPORT_UDP, transport)
    endpoint.libStart()
    endpoint.audDevManager().setNullDev()
    calls = []

    class Call(pj.Call):
        def onCallMediaState(self, prm):
            info = self.getInfo()
            for index, media in enumerate(info.media):
                if media.type == pj.PJMEDIA_TYPE_AUDIO and media.status == pj.PJSUA_CALL_MEDIA_ACTIVE:
                    player = pj.AudioMediaPlayer()
                    player.createPlayer(str(prompt), pj.PJMEDIA_FILE_NO_LOOP)
                    player.startTransmit(self.getAudioMedia(index))
                    self.player = player

    class Account(pj.Account):
        def onIncomingCall(self, prm):
            call = Call(self, prm.callId)
            answer = pj.CallOpParam()
            answer.statusCode = 200
            call.answer(answer)
            calls.append(call)
            answered.append(time.monotonic())

    account_config = pj.AccountConfig()
    account_config.idUri = f"sip:line@127.0.0.1:{MEDIA_PORT}"
    account = Account()
    account.create(account_config)
    ready.set()
    while not stop.is_set():
        endpoint.libHandleEvents(10)
    endpoint.hangupAllCalls()
    for _ in range(50):
        endpoint.libHandleEvents(10)
    calls.clear()
    del account
    endpoint.libDestroy()


def main(call_count: int = 10) -> None:
    folder = Path(tempfile.mkdtemp(prefix="ecoute-spike-"))
    prompt = folder / "tone.wav"
    tone_wav(prompt)
    edge = sip_edge.start(
        sip_edge.EdgeSettings(
            edge_port=EDGE_PORT, media_port=MEDIA_PORT, invites_per_number=10_000, pike_density=10_000
        )
    )
    ready, stop, answered = threading.Event(), threading.Event(), []
    agent = threading.Thread(target=run_agent, args=(prompt, ready, stop, answered))
    agent.start()
    ready.wait(10)
    (folder / "callers.csv").write_text(
        "SEQUENTIAL\n" + "".join(f"6{n:08d};0805232336\n" for n in range(call_count))
    )
    # Each call holds 10 s: INVITE -> 200 OK measured by sipp (response time), the agent's CPU over the calls.
    scenario = ROOT / "telephony" / "sipp" / "caller.xml"
    cpu_before, wall_before = resource.getrusage(resource.RUSAGE_SELF), time.monotonic()
    sipp = subprocess.run(
        [
            "sipp",
            f"127.0.0.1:{EDGE_PORT}",
            "-sf",
            str(scenario),
            "-inf",
            str(folder / "callers.csv"),
            "-i",
            "127.0.0.1",
            "-p",
            str(CALLER_PORT),
            "-m",
            str(call_count),
            "-l",
            str(call_count),
            "-r",
            "20",
            "-d",
            "10000",
            "-rtp_echo",
            "-nostdin",
            "-trace_rtt",
            "-rtt_freq",
            "1",
            "-trace_stat",
            "-stf",
            str(folder / "stat.csv"),
        ],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=120,
    )
    cpu_after, wall_after = resource.getrusage(resource.RUSAGE_SELF), time.monotonic()
    stop.set()
    agent.join(10)
    edge.terminate()
    edge.wait(5)
    rtt = [
        float(line.split(";")[2])
        for line in (folder / next(f for f in os.listdir(folder) if f.endswith("_rtt.csv")))
        .read_text()
        .splitlines()[1:]
        if line.count(";") >= 2
    ]
    cpu = (cpu_after.ru_utime + cpu_after.ru_stime) - (cpu_before.ru_utime + cpu_before.ru_stime)
    successful = re.search(r"Successful call\s+\|\s+\d+\s+\|\s+(\d+)", sipp.stdout)
    rtt.sort()
    if successful is None or int(successful.group(1)) != call_count:
        print(sipp.stdout[-3000:], sipp.stderr[-2000:])
    print(f"calls answered: {successful.group(1) if successful else '?'} of {call_count}")
    if rtt:
        print(
            f"INVITE -> 200 OK at the caller through the edge: median {rtt[len(rtt) // 2]:.1f} ms, max {rtt[-1]:.1f} ms"
        )
    print(
        f"agent CPU over {wall_after - wall_before:.1f} s with up to {call_count} calls playing audio: {cpu:.2f} s "
        f"({100 * cpu / (wall_after - wall_before):.1f} % of one core)"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10)
