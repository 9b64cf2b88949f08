"""The phone line on loopback for the tests: the edge, the media agent, a PJSIP caller."""

import json
import os
import secrets
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tools import make_prompts

from .backends import need
from .live import ARTIFACTS, LiveServer
from .sip import Edge, free_udp_port
from .waiting import wait_for
from .workers import worker_number

ROOT = Path(__file__).resolve().parents[2]


def need_espeak() -> None:
    import shutil

    need(
        shutil.which("espeak-ng") is not None and shutil.which("sox") is not None,
        "espeak-ng and sox (apt-get install espeak-ng sox)",
    )


def need_pjsua2() -> None:
    try:
        import pjsua2  # noqa: F401
    except ImportError:
        need(False, "PJSIP's Python bindings (pip install pjsua2-python)")


@pytest.fixture(scope="session")
def phone_prompts(tmp_path_factory):
    need_espeak()
    folder = tmp_path_factory.mktemp("prompts")
    make_prompts.make(folder)
    return folder


# A line shared by the tests of a module takes all their calls from the tests' one number, several a
# minute: the edge's flood limit per number is the subject of tests/telephony/test_sip_edge.py.
ONE_NUMBER_MANY_CALLS = {"invites_per_number": 1000}


class PhoneLine:
    """A server with the phone line on, Kamailio in front, the media agent between them."""

    def __init__(
        self,
        server_env: dict,
        prompts: Path,
        agent_env: dict | None = None,
        edge_settings: dict | None = None,
    ):
        need_pjsua2()
        self.agent_env = agent_env or {}
        self.secret = secrets.token_hex(20)
        self.server = LiveServer({**server_env, "ECOUTE_TELEPHONY_SECRET": self.secret}, name="phone-line")
        self.edge = Edge(**(edge_settings or {}))
        self.prompts = prompts
        self.agent = None
        self.agent_log = None

    def start(self) -> "PhoneLine":
        try:
            self._start()
        except Exception:
            self.stop()
            raise
        return self

    def _start(self) -> None:
        self.server.start()
        self.edge.start()
        self.agent_log = ARTIFACTS / f"phone-agent-{self.edge.settings.media_port}.log"
        env = {
            **os.environ,
            "ECOUTE_TELEPHONY_URL": f"ws://127.0.0.1:{self.server.port}/ws/telephony/",
            "ECOUTE_TELEPHONY_SECRET": self.secret,
            "ECOUTE_SIP_MEDIA_PORT": str(self.edge.settings.media_port),
            "ECOUTE_PHONE_PROMPTS": str(self.prompts),
            "ECOUTE_PHONE_MENU_PAUSE": "1",
            "ECOUTE_SIP_RTP_PORT": str(40000 + 1000 * worker_number()),  # each test worker its own ports
            **self.agent_env,
        }
        self._log = open(self.agent_log, "w")
        self.agent = subprocess.Popen(
            [sys.executable, "-m", "ecoute.telephony.agent"],
            cwd=ROOT,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        self._wait_for_agent()

    def _wait_for_agent(self) -> None:
        try:
            wait_for(
                lambda: "answers on" in self.agent_log.read_text(),
                while_running=self.agent,
                what="the media agent did not start",
            )
        except AssertionError as failed:
            raise RuntimeError(f"{failed}:\n{self.agent_log.read_text()}") from None

    def stop(self) -> None:
        if self.agent and self.agent.poll() is None:
            self.agent.terminate()
            try:
                self.agent.wait(10)
            except subprocess.TimeoutExpired:
                self.agent.kill()
        if self.edge.process:
            self.edge.stop()
        self.server.stop()

    def logs(self) -> str:
        return "\n".join([self.edge.log(), self.agent_log.read_text(errors="replace"), self.server.log()])

    def dial(self, *arguments: str) -> subprocess.Popen:
        """A PJSIP caller dialling the line (tools/call_the_line.py); its JSON summary on stdout."""
        return subprocess.Popen(
            [
                sys.executable,
                "tools/call_the_line.py",
                "--edge",
                f"127.0.0.1:{self.edge.settings.edge_port}",
                "--port",
                str(free_udp_port()),
                "--rtp-port",
                str(46000 + 1000 * worker_number()),
                *arguments,
            ],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )


def hang_up(caller: subprocess.Popen) -> dict:
    """The caller puts the phone down now (SIGTERM: a BYE, as a hand would); its summary."""
    caller.send_signal(signal.SIGTERM)
    return summary_of(caller)


def summary_of(caller: subprocess.Popen, timeout: float = 300) -> dict:
    """The caller's summary once it hung up (its own --seconds bound it; TIMEOUT only stops a stalled run)."""
    out, err = caller.communicate(timeout=timeout)
    assert caller.returncode == 0, err[-3000:]
    return json.loads(out.strip().splitlines()[-1])
