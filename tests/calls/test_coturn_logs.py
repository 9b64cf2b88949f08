"""The TURN relay writes nothing about callers: docs/coturn.md's logging, with a real relayed exchange.

coturn's own client (turnutils_uclient) allocates relays from 127.0.0.2 and sends media between
them through the relay on 127.0.0.1, as two browsers in a call do; 127.0.0.2 thus stands for the
callers' addresses, and the relay's own 127.0.0.1 (its listener, written at start) for its own.
"""

import secrets
import shutil
import subprocess
import time

import pytest

from tests.support.addresses import addresses_in
from tests.support.backends import need_coturn
from tests.support.live import free_port
from tests.support.workers import worker_number
from tools import coturn_loopback
from tools.server_command import ROOT

pytestmark = pytest.mark.coturn

CLIENT = "127.0.0.2"


def documented_production_settings() -> list[str]:
    """The lines of docs/coturn.md's /etc/turnserver.conf, without comments."""
    section = (ROOT / "docs" / "coturn.md").read_text().split("## Production settings", 1)[1]
    block = section.split("```\n", 1)[1].split("```", 1)[0]
    return [line.split("#")[0].strip() for line in block.splitlines() if line.split("#")[0].strip()]


def relayed_exchange(tmp_path, logging: list[str], linger=lambda: True, seconds: float = 20) -> str:
    """Run a relayed exchange through a fresh coturn with these logging lines; all coturn wrote on stdout and stderr.

    coturn is stopped once LINGER holds, or after SECONDS (it writes a session's end a moment after the client left).
    """
    need_coturn()
    uclient = shutil.which("turnutils_uclient")
    assert uclient, "turnutils_uclient comes with coturn"
    port, secret = free_port(), secrets.token_hex(16)
    output_path = tmp_path / "coturn-output.txt"
    with open(output_path, "w") as output:
        relay = coturn_loopback.start(
            port,
            secret,
            min_port=49420 + 200 * worker_number(),
            max_port=49460 + 200 * worker_number(),
            logging=logging,
            output=output,
        )
    try:
        command = [
            uclient,
            "-W",
            secret,
            "-u",
            "ecoute",
            "-y",
            "-n",
            "5",
            "-m",
            "1",
            "-l",
            "100",
            "-L",
            CLIENT,
            "-p",
            str(port),
            "127.0.0.1",
        ]
        for _ in range(50):  # until coturn listens: a refused first try is coturn still starting
            exchange = subprocess.run(command, capture_output=True, text=True, timeout=60)
            if exchange.returncode == 0 and "Total lost packets 0" in exchange.stdout + exchange.stderr:
                break
            assert relay.poll() is None, "coturn stopped"
        else:
            pytest.fail(f"no relayed exchange through coturn:\n{exchange.stdout}{exchange.stderr}")
        deadline = time.monotonic() + seconds
        while not linger() and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        relay.terminate()
        relay.wait(10)
    return output_path.read_text()


def test_the_documented_relay_never_logs_verbosely_and_logs_nowhere():
    settings = documented_production_settings()
    names = {line.split("=")[0].lstrip("-") for line in settings}
    assert not names & {"verbose", "Verbose", "v", "V", "syslog", "log-binding"}
    assert set(coturn_loopback.LOGGING) <= set(settings)  # the demo and the tests run production's logging


def test_a_relayed_exchange_under_the_documented_logging_writes_no_address(tmp_path):
    """(It may print "socket: Protocol not supported" when a transport is missing: nothing about anyone.)"""
    assert addresses_in(relayed_exchange(tmp_path, coturn_loopback.LOGGING, seconds=3)) == []


def test_without_verbose_even_coturns_own_log_names_no_client(tmp_path):
    """Why the demo's and the tests' coturn needs no more than this; `verbose` would name every client."""
    quiet, chatty = tmp_path / "quiet.log", tmp_path / "verbose.log"
    started = time.monotonic()
    relayed_exchange(
        tmp_path,
        ["no-stdout-log", "simple-log", f"log-file={chatty}", "verbose"],
        linger=lambda: CLIENT in chatty.read_text(),
    )
    assert CLIENT in chatty.read_text()  # the clients' address is there to be logged: verbose writes it
    relayed_exchange(
        tmp_path, ["no-stdout-log", "simple-log", f"log-file={quiet}"], seconds=time.monotonic() - started
    )
    assert "Relay ports initialization done" in quiet.read_text() and CLIENT not in quiet.read_text()
