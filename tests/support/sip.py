"""A real Kamailio edge and real SIP peers (sipp) on loopback, for the telephony tests."""

import re
import socket
import subprocess
import time
import uuid
from pathlib import Path

from tools import sip_edge

from .backends import need_kamailio, need_sipp
from .live import ARTIFACTS

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = ROOT / "telephony" / "sipp"
# The caller of the tests: a distinctive number, and the line's number they dial.
CALLER_NUMBER = "612345678"
LINE_NUMBER = "0805232336"


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def digit_runs_of(number: str, length: int = 6) -> set[str]:
    """Every run of LENGTH consecutive digits of NUMBER: none may appear where the number must not.

    Six of its nine digits: shorter runs turn up by chance in the clock times and random tokens of
    the logs (a trace's "20:07:59.245674" holds 4567).
    """
    return {number[i : i + length] for i in range(len(number) - length + 1)}


def find_number(text: str, number: str = CALLER_NUMBER) -> list[str]:
    """The digit runs of NUMBER found in TEXT, each with what surrounds it (empty when none)."""
    found = []
    for run in digit_runs_of(number):
        for match in re.finditer(run, text):
            found.append(text[max(0, match.start() - 40) : match.end() + 40])
    return found


class Edge:
    """Kamailio started by the project's own tools/sip_edge.py, its output kept for the tests to read."""

    def __init__(self, **settings):
        need_kamailio()
        self.settings = sip_edge.EdgeSettings(
            edge_port=free_udp_port(), media_port=free_udp_port(), children=2, **settings
        )
        ARTIFACTS.mkdir(exist_ok=True)
        self.log_path = ARTIFACTS / f"kamailio-{self.settings.edge_port}.log"
        self.process = None

    def start(self) -> "Edge":
        self._log = open(self.log_path, "w")
        self.process = sip_edge.start(self.settings, output=self._log)
        try:
            self._wait_until_answering()
        except Exception:
            self.stop()
            raise
        return self

    def _wait_until_answering(self, timeout: float = 10) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"Kamailio stopped at start:\n{self.log()}")
            if self.options_answer(timeout=0.2).startswith("SIP/2.0 200"):
                return
        raise RuntimeError(f"Kamailio did not answer in time:\n{self.log()}")

    def options_answer(self, timeout: float = 2) -> str:
        return send_udp(self.settings.edge_port, options_request(self.settings.edge_port), timeout=timeout)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
        if self.process:
            self._log.close()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


def options_request(port: int) -> bytes:
    branch = uuid.uuid4().hex
    return (
        f"OPTIONS sip:127.0.0.1:{port} SIP/2.0\r\n"
        f"Via: SIP/2.0/UDP 127.0.0.1:9;rport;branch=z9hG4bK{branch}\r\n"
        f"From: <sip:probe@127.0.0.1>;tag={branch[:8]}\r\n"
        f"To: <sip:127.0.0.1:{port}>\r\n"
        f"Call-ID: {branch}\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n"
    ).encode()


def send_udp(port: int, message: bytes, timeout: float = 2, source: socket.socket | None = None) -> str:
    """Send one datagram to the edge and return the first answer that is not provisional ('' if none)."""
    own = source is None
    sock = source or socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        if own:
            sock.bind(("127.0.0.1", 0))
        sock.settimeout(timeout)
        sock.sendto(message, ("127.0.0.1", port))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                answer = sock.recv(65535).decode(errors="replace")
            except TimeoutError:
                return ""
            if not answer.startswith("SIP/2.0 1"):
                return answer
        return ""
    finally:
        if own:
            sock.close()


# The sipp peers started by a test, stopped after it whatever happened (tests/telephony/conftest.py).
PEERS: list[subprocess.Popen] = []


def stop_peers() -> None:
    while PEERS:
        peer = PEERS.pop()
        if peer.poll() is None:
            peer.kill()
            peer.wait(5)


def sipp_line(port: int, scenario: str, folder: Path, calls: int = 1) -> tuple[subprocess.Popen, Path]:
    """A sipp peer standing for the line's side, answering CALLS calls; returns it and its message trace."""
    need_sipp()
    trace = folder / f"{scenario}-{port}.msg"
    process = subprocess.Popen(
        [
            "sipp",
            "-sf",
            str(SCENARIOS / f"{scenario}.xml"),
            "-i",
            "127.0.0.1",
            "-p",
            str(port),
            "-m",
            str(calls),
            "-trace_msg",
            "-message_file",
            str(trace),
            "-nostdin",
            "-timeout",
            "30s",
        ],
        cwd=folder,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    _wait_until_bound(port, process)
    return process, trace


def _wait_until_bound(port: int, process: subprocess.Popen, timeout: float = 10) -> None:
    """Until the peer holds its port (a bind of ours there fails), or it stopped."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                return
        time.sleep(0.05)
    raise RuntimeError("the sipp peer did not take its port")


def sipp_call(
    edge_port: int, scenario: str, folder: Path, number: str = CALLER_NUMBER, hold_ms: int = 200
) -> subprocess.CompletedProcess:
    """A sipp caller dialling the line through the edge with NUMBER in every identity header it has."""
    need_sipp()
    callers = folder / f"callers-{uuid.uuid4().hex[:8]}.csv"
    callers.write_text(f"SEQUENTIAL\n{number};{LINE_NUMBER}\n")
    return subprocess.run(
        [
            "sipp",
            f"127.0.0.1:{edge_port}",
            "-sf",
            str(SCENARIOS / f"{scenario}.xml"),
            "-inf",
            str(callers),
            "-i",
            "127.0.0.1",
            "-p",
            str(free_udp_port()),
            "-m",
            "1",
            "-d",
            str(hold_ms),
            "-nostdin",
            "-timeout",
            "20s",
            "-trace_msg",
            "-message_file",
            str(folder / f"{scenario}-caller.msg"),
        ],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=40,
    )
