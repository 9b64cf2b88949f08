"""The phone line (docs/telephony.md): how fast a phone caller hears the line, and what a waiting call costs.

The whole chain on loopback, on a database of its own (SQLite: this benchmark measures SIP and audio,
not the database): a PJSIP caller (tools/call_the_line.py) -> Kamailio (tools/sip_edge.py) -> the
media agent -> an Écoute server. Measured:

* INVITE -> first audio of the welcome at the caller (answer time + the first 100 ms window with
  sound in the caller's recording), sequential calls, p50/p95;
* the media agent's CPU while it holds its 4 calls (the wheel's limit per process), each waiting in
  the queue with its prompts playing and its socket open;
* the baseline: INVITE -> 200 OK through the same Kamailio to a plain sipp answering (no media agent).

Bridged calls (a psychologist on the other side) are measured by bench/phone_bridge.py.
"""

import json
import os
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench._support import RESULTS, percentiles  # noqa: E402
from tools import make_prompts, sip_edge  # noqa: E402
from tools.server_command import uvicorn_command  # noqa: E402

CALLS = int(os.environ.get("BENCH_PHONE_CALLS", "10"))


def free_udp_port() -> int:
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def dial(edge_port: int, seconds: float) -> subprocess.Popen:
    return subprocess.Popen(
        [
            sys.executable,
            "tools/call_the_line.py",
            "--edge",
            f"127.0.0.1:{edge_port}",
            "--seconds",
            str(seconds),
            "--port",
            str(free_udp_port()),
            "--rtp-port",
            str(46000 + secrets.randbelow(4000) * 2),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )


def first_audio_ms(summary: dict) -> float | None:
    levels = summary["loudness_every_100ms"]
    first = next((i for i, level in enumerate(levels) if level > 300), None)
    if first is None or summary["answered_after"] is None:
        return None
    return 1000 * summary["answered_after"] + 100 * first


def baseline_invite_to_ok(edge: sip_edge.EdgeSettings, folder: Path) -> list[float]:
    """INVITE -> 200 OK through Kamailio to sipp answering at once (what the edge costs by itself)."""
    samples = []
    for n in range(CALLS):
        line = subprocess.Popen(
            [
                "sipp",
                "-sf",
                str(ROOT / "telephony/sipp/line.xml"),
                "-i",
                "127.0.0.1",
                "-p",
                str(edge.media_port),
                "-m",
                "1",
                "-nostdin",
                "-timeout",
                "20s",
            ],
            cwd=folder,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(0.3)
        (folder / "callers.csv").write_text(f"SEQUENTIAL\n6{n:08d};0805232336\n")
        started = time.monotonic()
        subprocess.run(
            [
                "sipp",
                f"127.0.0.1:{edge.edge_port}",
                "-sf",
                str(ROOT / "telephony/sipp/caller.xml"),
                "-inf",
                str(folder / "callers.csv"),
                "-i",
                "127.0.0.1",
                "-p",
                str(free_udp_port()),
                "-m",
                "1",
                "-d",
                "10",
                "-nostdin",
                "-timeout",
                "20s",
                "-trace_rtt",
                "-rtt_freq",
                "1",
            ],
            cwd=folder,
            capture_output=True,
            timeout=30,
        )
        line.wait(20)
        rtt_files = sorted(folder.glob("*_rtt.csv"), key=lambda p: p.stat().st_mtime)
        rows = rtt_files[-1].read_text().splitlines()[1:] if rtt_files else []
        values = [float(row.split(";")[2]) for row in rows if row.count(";") >= 2]
        samples.append(values[-1] if values else 1000 * (time.monotonic() - started))
    return samples


def main() -> int:
    folder = Path(tempfile.mkdtemp(prefix="ecoute-bench-phone-"))
    prompts = folder / "prompts"
    make_prompts.make(prompts)
    secret = secrets.token_hex(20)
    port = free_udp_port()
    env = {
        **os.environ,
        "DJANGO_DEBUG": "1",
        "DATABASE_URL": f"sqlite:///{folder}/bench.sqlite3",
        "ECOUTE_TELEPHONY_SECRET": secret,
        "ECOUTE_AUTO_PURGE": "0",
        "ECOUTE_ABUSE_FREE_CALLS_PER_SOURCE": "100000",
        "ECOUTE_ABUSE_CALLS_PER_SOURCE": "100000",
        "ECOUTE_ABUSE_CALLS_PER_DEVICE": "100000",
    }
    env.pop("REDIS_URL", None)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True
    )
    settings = sip_edge.EdgeSettings(
        edge_port=free_udp_port(),
        media_port=free_udp_port(),
        invites_per_number=100_000,
        pike_density=100_000,
    )
    server = subprocess.Popen(
        uvicorn_command("127.0.0.1", port),
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    edge = sip_edge.start(settings)
    agent = None
    try:
        baseline = baseline_invite_to_ok(settings, folder)
        agent = subprocess.Popen(
            [sys.executable, "-m", "ecoute.telephony.agent"],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env={
                **env,
                "ECOUTE_TELEPHONY_URL": f"ws://127.0.0.1:{port}/ws/telephony/",
                "ECOUTE_SIP_MEDIA_PORT": str(settings.media_port),
                "ECOUTE_PHONE_PROMPTS": str(prompts),
                "ECOUTE_PHONE_MENU_PAUSE": "1",
            },
        )
        time.sleep(3)
        first_audio = []
        for _ in range(CALLS):
            out, _ = dial(settings.edge_port, 2.5).communicate(timeout=30)
            value = first_audio_ms(json.loads(out.strip().splitlines()[-1]))
            if value is not None:
                first_audio.append(value)
        # Four calls at once, in the menu then the queue, prompts playing: the agent's CPU over 15 s.
        callers = [dial(settings.edge_port, 40) for _ in range(4)]
        time.sleep(8)
        cpu_before, wall_before = cpu_seconds(agent.pid), time.monotonic()
        time.sleep(15)
        cpu = cpu_seconds(agent.pid) - cpu_before
        wall = time.monotonic() - wall_before
        held = [json.loads(c.communicate(timeout=60)[0].strip().splitlines()[-1]) for c in callers]
    finally:
        for process in (agent, edge, server):
            if process is not None and process.poll() is None:
                process.terminate()
                process.wait(10)
    results = {
        "invite_to_first_prompt_audio_ms": percentiles(first_audio),
        "baseline_invite_to_200_through_kamailio_ms": percentiles(baseline),
        "agent_cpu_share_of_one_core_4_waiting_calls": round(cpu / wall, 4),
        "agent_cpu_share_per_waiting_call": round(cpu / wall / 4, 4),
        "calls_answered_of_4": sum(1 for summary in held if summary["answered_after"] is not None),
        "calls": CALLS,
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "phone_line.json").write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))
    return 0 if first_audio and results["calls_answered_of_4"] == 4 else 1


if __name__ == "__main__":
    sys.exit(main())
