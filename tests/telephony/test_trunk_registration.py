"""The edge registers to the operator's trunk with a digest (Kamailio's uac_reg, tools/sip_edge.py).

A second real Kamailio on loopback plays the operator's registrar (operator_registrar.cfg): it
challenges every REGISTER (401 with a nonce) and accepts only the account's password. Under CI=true
a missing Kamailio fails these tests.
"""

import subprocess
import time
from pathlib import Path

import pytest

from tests.support.backends import need_kamailio
from tests.support.live import ARTIFACTS
from tests.support.sip import Edge, free_udp_port
from tools import sip_edge

REGISTRAR = Path(__file__).with_name("operator_registrar.cfg")
USERNAME, PASSWORD, REALM = "ecoute-ligne", "Tr0nc-s3cret:du-jour", "operateur.example"


class Operator:
    """The operator's registrar: a Kamailio started on operator_registrar.cfg, its output kept."""

    def __init__(self, folder: Path):
        need_kamailio()
        self.port = free_udp_port()
        self.config = folder / "registrar.cfg"
        values = {"PORT": self.port, "MODULES": sip_edge._modules_folder(), "REALM": REALM}
        text = REGISTRAR.read_text()
        for name, value in {**values, "USERNAME": USERNAME, "PASSWORD": PASSWORD}.items():
            text = text.replace(f"@@{name}@@", str(value))
        self.config.write_text(text)
        ARTIFACTS.mkdir(exist_ok=True)
        self.log_path = ARTIFACTS / f"operator-registrar-{self.port}.log"
        self.folder = folder

    def start(self) -> "Operator":
        check = subprocess.run(
            [sip_edge.KAMAILIO, "-c", "-f", str(self.config)], capture_output=True, text=True
        )
        assert check.returncode == 0, check.stderr[-3000:]
        self._log = open(self.log_path, "w")
        self.process = subprocess.Popen(
            [sip_edge.KAMAILIO, "-DD", "-E", "-f", str(self.config), "-P", str(self.folder / "k.pid"),
             "-Y", str(self.folder), "-m", "32", "-M", "4"],
            stdout=self._log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        return self

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(5)
        self._log.close()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


@pytest.fixture
def operator(tmp_path):
    operator = Operator(tmp_path).start()
    yield operator
    operator.stop()


def wait_for_line(operator: Operator, edge: Edge, text: str, timeout: float = 180) -> str:
    """The registrar's log once it holds TEXT; fails at once if either Kamailio stopped (TIMEOUT only
    stops a run that no longer moves)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert operator.process.poll() is None, operator.log()
        assert edge.process.poll() is None, edge.log()
        if text in (log := operator.log()):
            return log
        time.sleep(0.2)
    raise AssertionError(f"the registrar never logged {text!r}:\n{operator.log()}\n{edge.log()}")


def test_the_edge_answers_the_registrars_challenge_and_registers(operator):
    edge = Edge(
        trunk_registrar=f"127.0.0.1:{operator.port}", trunk_username=USERNAME, trunk_password=PASSWORD,
        trunk_domain=REALM,
    ).start()  # fmt: skip
    try:
        log = wait_for_line(operator, edge, f"authenticated as {USERNAME}")
        # First without credentials (challenged with a 401 and a nonce), then with the digest answer.
        assert log.index("without credentials, challenged") < log.index(f"authenticated as {USERNAME}")
        # The operator sends the calls to the edge's own address, and the registration lasts what was asked.
        assert f"contact <sip:trunk@127.0.0.1:{edge.settings.edge_port}>, expires 600" in log
        assert "wrong credentials" not in log
        # The edge still answers, and its output never holds the password.
        assert edge.options_answer().startswith("SIP/2.0 200")
    finally:
        edge.stop()
    assert PASSWORD not in edge.log() and PASSWORD not in operator.log()


def test_a_wrong_password_is_refused_by_the_registrar_and_never_registered(operator):
    edge = Edge(
        trunk_registrar=f"127.0.0.1:{operator.port}", trunk_username=USERNAME, trunk_password="not-the-one",
        trunk_domain=REALM,
    ).start()  # fmt: skip
    try:
        log = wait_for_line(operator, edge, "wrong credentials")
        assert "authenticated as" not in log
        assert edge.process.poll() is None  # the edge goes on (and tries again later)
    finally:
        edge.stop()


@pytest.mark.parametrize(
    "environment,problem",
    [
        ({"ECOUTE_SIP_TRUNK_REGISTRAR": "sip.operateur.example; rm -rf"}, "ECOUTE_SIP_TRUNK_REGISTRAR"),
        ({"ECOUTE_SIP_TRUNK_REGISTRAR": "sip.operateur.example"}, "ECOUTE_SIP_TRUNK_USERNAME"),
        (
            {"ECOUTE_SIP_TRUNK_REGISTRAR": "sip.operateur.example", "ECOUTE_SIP_TRUNK_USERNAME": "ligne"},
            "ECOUTE_SIP_TRUNK_PASSWORD",
        ),
        (
            {
                "ECOUTE_SIP_TRUNK_REGISTRAR": "sip.operateur.example:5060",
                "ECOUTE_SIP_TRUNK_USERNAME": "ligne",
                "ECOUTE_SIP_TRUNK_PASSWORD": "x",
                "ECOUTE_SIP_TRUNK_EXPIRES": "5",
            },
            "ECOUTE_SIP_TRUNK_EXPIRES",
        ),
    ],
)
def test_wrong_registration_settings_are_refused_with_a_clear_message(tmp_path, environment, problem):
    settings = sip_edge.EdgeSettings.from_environment(environment)
    with pytest.raises(SystemExit, match=problem):
        sip_edge.config_text(settings, tmp_path / "dispatcher.list")
    assert not (tmp_path / "uacreg").exists()


def test_without_a_registrar_the_edge_registers_nowhere(tmp_path):
    text = sip_edge.config_text(sip_edge.EdgeSettings.from_environment({}), tmp_path / "dispatcher.list")
    assert "uac_reg" not in text and "reg_db_url" not in text and not (tmp_path / "uacreg").exists()
