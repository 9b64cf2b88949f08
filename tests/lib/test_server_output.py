"""Everything a running server writes, started exactly as README and the demo start it: no IP address,
no User-Agent, no query string, whatever the callers send (X-Forwarded-For included).

The production command is read from README.md, so that the documented command and the tested one
cannot differ; the demo is tools/run_demo.py itself.
"""

import asyncio
import json
import os
import secrets
import shlex
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import websockets
from cryptography.fernet import Fernet
from django.conf import settings

from ecoute.lib.sealing import new_key_pair
from tests.support.addresses import addresses_in
from tests.support.backends import need_coturn, need_redis
from tests.support.cast import make_psychologist
from tests.support.live import ARTIFACTS, free_port
from tests.support.sip import free_udp_port
from tests.support.twofactor import verified_session_cookie
from tools.server_command import ROOT, uvicorn_command

pytestmark = pytest.mark.django_db(transaction=True)

CALLER = "203.0.113.77"
USER_AGENT = "SondeEcoute/7.3 (appareil-de-test)"
QUERY = "marque-de-requete"
# An offer as a browser that ignores the relay-only policy would send it: every kind of address.
OFFER_SDP = "\r\n".join(
    [
        "v=0",
        f"o=- 46117 2 IN IP4 {CALLER}",
        "s=-",
        "t=0 0",
        "m=audio 9 UDP/TLS/RTP/SAVPF 111",
        f"c=IN IP4 {CALLER}",
        f"a=candidate:1 1 udp 2122260223 {CALLER} 54321 typ host generation 0",
        "",
    ]
)


def readme_production_command() -> list[str]:
    """The command under README's "Running in production", as an argument list."""
    section = (ROOT / "README.md").read_text().split("## Running in production", 1)[1]
    block = section.split("```sh\n", 1)[1].split("```", 1)[0]
    return shlex.split(block.replace("\\\n", " "))


def assert_nothing_about_callers(output: str) -> None:
    assert "GET / 200" in output and "WS /ws/line/ 101" in output, (
        "the server wrote no access log at all:\n" + output
    )
    assert addresses_in(output) == [], output
    assert "SondeEcoute" not in output and "appareil-de-test" not in output, output
    assert QUERY not in output, output


def test_the_demo_the_tests_and_the_benchmarks_start_the_server_as_readme_says():
    assert readme_production_command() == ["uvicorn", *uvicorn_command("127.0.0.1", 8000, workers=4)[3:]]


def test_the_readme_production_command_writes_no_address_user_agent_or_query(live_server_env):
    need_redis()  # four worker processes share the line through Redis, as README says
    command = readme_production_command()
    port = free_port()
    command[command.index("--port") + 1] = str(port)
    uvicorn = Path(sys.executable).with_name("uvicorn")
    command[0] = str(uvicorn) if uvicorn.exists() else command[0]
    env = {
        **_plain_environment(),
        **live_server_env,
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": settings.SECRET_KEY,
        "ECOUTE_NOTE_KEYS": Fernet.generate_key().decode(),
        "ECOUTE_AUTHOR_SEAL_PUBLIC_KEY": new_key_pair()[1],
        "DJANGO_ALLOWED_HOSTS": "localhost",
        "REDIS_URL": settings.REDIS_URL,
        "ECOUTE_CHANNEL_PREFIX": f"readme-{secrets.token_hex(4)}",
        # Plain http on loopback here; in production the TLS proxy is in front (docs/security-headers.md).
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DJANGO_SECURE_COOKIES": "0",
    }
    output = _run_and_collect(command, env, port, "production-command")
    assert "Uvicorn running" in output
    assert_nothing_about_callers(output)


def test_the_demo_writes_no_address_user_agent_or_query(live_server_env):
    need_coturn()
    port = free_port()
    env = {**_plain_environment(), **live_server_env, "PORT": str(port), "TURN_PORT": str(free_port())}
    env.update(SIP_PORT=str(free_udp_port()), SIP_MEDIA_PORT=str(free_udp_port()))
    output = _run_and_collect([sys.executable, "tools/run_demo.py"], env, port, "demo")
    assert "coturn relays the media" in output
    assert "Call the line (numéro vert)" in output  # the phone line runs too (docs/telephony.md)
    assert_nothing_about_callers(output)


def _plain_environment() -> dict:
    """This environment without the test run's own server settings."""
    skip = {"DATABASE_URL", "REDIS_URL", "DJANGO_DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE", "ECOUTE_CHANNEL_PREFIX"}
    return {name: value for name, value in os.environ.items() if name not in skip}


def _run_and_collect(command: list[str], env: dict, port: int, name: str) -> str:
    """Start COMMAND, send it what callers and psychologists send, stop it; its whole stdout and stderr."""
    ARTIFACTS.mkdir(exist_ok=True)
    log_path = ARTIFACTS / f"{name}-{port}.log"
    with open(log_path, "w") as log:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        _wait_until_serving(process, port, log_path)
        _http_requests(port)
        claire = make_psychologist("Claire")
        asyncio.run(_a_call_through_the_queue(port, claire.pk, verified_session_cookie(claire)))
        _wait_for_socket_lines(process, log_path, count=4)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    return log_path.read_text()


def _wait_until_serving(process: subprocess.Popen, port: int, log_path: Path) -> None:
    """Until the server answers; as long as its log grows, it is still starting (four workers are slow on a busy machine)."""
    size, quiet_since = -1, time.monotonic()
    while True:
        if process.poll() is not None:
            raise AssertionError(f"the server stopped at start:\n{log_path.read_text()}")
        try:
            with urllib.request.urlopen(f"http://localhost:{port}/hors-ligne/", timeout=2):
                return
        except OSError:
            pass
        if log_path.stat().st_size != size:
            size, quiet_since = log_path.stat().st_size, time.monotonic()
        assert time.monotonic() - quiet_since < 60, (
            f"the server made no progress for a minute:\n{log_path.read_text()}"
        )
        time.sleep(0.2)


def _get(port: int, path: str, method: str = "GET", **headers) -> int:
    request = urllib.request.Request(
        f"http://localhost:{port}{path}", method=method, headers={"User-Agent": USER_AGENT, **headers}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def _http_requests(port: int) -> None:
    assert (
        _get(
            port,
            f"/?{QUERY}=1",
            **{"X-Forwarded-For": CALLER, "X-Real-IP": CALLER, "Forwarded": f"for={CALLER}"},
        )
        == 200
    )
    assert _get(port, f"/?{QUERY}=2") == 200
    assert _get(port, f"/page-absente/?{QUERY}=3", **{"X-Forwarded-For": CALLER}) == 404
    assert (
        _get(port, f"/connexion/?{QUERY}=4", method="POST", **{"X-Forwarded-For": CALLER}) == 403
    )  # CSRF: Django logs it
    assert _get(port, f"/?{QUERY}=5", Host="198.51.100.9") == 400  # DisallowedHost: Django logs the header


async def _a_call_through_the_queue(port: int, psychologist_id: int, cookie: str) -> None:
    url, origin = f"ws://localhost:{port}", f"http://localhost:{port}"
    headers = {"Origin": origin, "X-Forwarded-For": CALLER}
    with pytest.raises(websockets.InvalidStatus):  # a foreign page: refused, and uvicorn logs a refusal line
        await websockets.connect(
            f"{url}/ws/line/?{QUERY}=6",
            additional_headers={"Origin": "http://elsewhere.example"},
            user_agent_header=USER_AGENT,
        )
    plain = await websockets.connect(
        f"{url}/ws/line/?{QUERY}=7", additional_headers={"Origin": origin}, user_agent_header=USER_AGENT
    )
    caller = await websockets.connect(
        f"{url}/ws/line/?{QUERY}=8", additional_headers=headers, user_agent_header=USER_AGENT
    )
    workspace = await websockets.connect(
        f"{url}/ws/workspace/", additional_headers={"Origin": origin, "Cookie": f"sessionid={cookie}"}
    )
    await _expect(caller, "presence")
    await _send(caller, {"type": "hello", "caller_key": "k" * 43})
    await _expect(caller, "hello")
    await _send(caller, {"type": "queue.join"})
    call_id = (await _expect(caller, "queue.joined"))["call_id"]
    await _expect(workspace, "presence.self")
    await _send(workspace, {"type": "status.set", "status": "available"})
    assert (await _expect(workspace, "call.ringing"))["call_id"] == call_id
    await _send(workspace, {"type": "call.accept", "call_id": call_id})
    await _expect(caller, "call.accepted")
    await _send(
        caller,
        {
            "type": "signal",
            "call_id": call_id,
            "signal": {"description": {"type": "offer", "sdp": OFFER_SDP}},
        },
    )
    await _expect(workspace, "signal")
    await _send(caller, {"type": "call.hangup", "call_id": call_id})
    await _expect(workspace, "call.ended")
    for connection in (plain, caller, workspace):
        await connection.close()


def _wait_for_socket_lines(process: subprocess.Popen, log_path: Path, count: int) -> None:
    """The access log writes a socket's line once its disconnect has run: wait for them before stopping."""
    deadline = time.monotonic() + 30
    while (
        log_path.read_text().count(" WS /ws/") < count
        and process.poll() is None
        and time.monotonic() < deadline
    ):
        time.sleep(0.1)


async def _send(connection, event: dict) -> None:
    await connection.send(json.dumps(event))


async def _expect(connection, kind: str, timeout: float = 15) -> dict:
    async with asyncio.timeout(timeout):
        while True:
            event = json.loads(await connection.recv())
            if event["type"] == kind:
                return event
