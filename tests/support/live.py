"""A real Écoute server (uvicorn, the production ASGI app) on the test database, coturn on
loopback, and Debian's Chromium driven by Playwright."""

import contextlib
import os
import secrets
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest
from django.core.management.base import CommandError
from django.db import connection

from tools import coturn_loopback
from tools.server_command import uvicorn_command

from .backends import CHROMIUM, need_chromium, need_coturn
from .waiting import wait_for
from .workers import worker_number

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "artifacts"
PHONE = {"width": 390, "height": 844}
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--use-fake-ui-for-media-stream",
    "--use-fake-device-for-media-stream",
    "--autoplay-policy=no-user-gesture-required",
    "--disable-quic",
    "--no-first-run",
]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def database_url() -> str:
    """The URL of the database the tests are using right now, for a server process to share it."""
    config = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{config['NAME']}"
    user = config.get("USER") or ""
    password = f":{config['PASSWORD']}" if config.get("PASSWORD") else ""
    return f"postgres://{user}{password}@{config.get('HOST') or '127.0.0.1'}:{config.get('PORT') or 5432}/{config['NAME']}"


# Every simulated caller of a test comes from loopback, one source for the abuse limits
# (ecoute/abuse): the servers of the tests let them all in, unless a test sets the limits itself
# (tests/abuse).
MANY_CALLERS_ONE_ADDRESS = {
    "ECOUTE_ABUSE_FREE_CALLS_PER_SOURCE": "100000",
    "ECOUTE_ABUSE_CALLS_PER_SOURCE": "100000",
    "ECOUTE_ABUSE_SOCKETS_PER_SOURCE": "100000",
    "ECOUTE_ABUSE_CALLS_PER_DEVICE": "100000",
}


class LiveServer:
    """One uvicorn process serving ecoute.asgi:application."""

    def __init__(
        self, env: dict, port: int | None = None, name: str = "server", app: str = "ecoute.asgi:application"
    ):
        self.app = app
        self.port = port or free_port()
        self.url = f"http://localhost:{self.port}"
        ARTIFACTS.mkdir(exist_ok=True)
        self.log_path = ARTIFACTS / f"{name}-{self.port}.log"
        # No daily purge at start: it would journal a PURGE event in the middle of other tests.
        self.env = {
            **os.environ,
            "DJANGO_DEBUG": "1",
            "DJANGO_SECURE_COOKIES": "0",
            "ECOUTE_AUTO_PURGE": "0",
            **env,
        }
        self.env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        self.process = None

    def start(self) -> "LiveServer":
        log = open(self.log_path, "w")
        self.process = subprocess.Popen(
            uvicorn_command("127.0.0.1", self.port, app=self.app),
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            self._wait_until_ready()
        except RuntimeError:
            self.stop()  # a server too slow to start must not outlive the test or benchmark that gave up
            raise
        return self

    def _wait_until_ready(self) -> None:
        """Until the server answers, as long as its process runs (a busy machine took over 20 s to
        start one); the backstop only stops a server that hangs without ever answering."""

        def answers() -> bool:
            try:
                with urllib.request.urlopen(f"{self.url}/hors-ligne/", timeout=1):
                    return True
            except OSError:
                return False

        try:
            wait_for(answers, while_running=self.process, what="the server answering")
        except AssertionError as error:
            raise RuntimeError(f"{error}:\n{self.log_path.read_text()}") from None

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()

    def log(self) -> str:
        return self.log_path.read_text()

    def finished_sockets(self) -> int:
        """Websockets whose handling is over (the access log writes their line once disconnect has run)."""
        return sum(1 for line in self.log().splitlines() if " WS /ws/" in line)


@pytest.fixture(scope="session")
def coturn():
    """coturn on loopback with a secret of the session; yields the server's TURN settings."""
    need_coturn()
    port, secret = free_port(), secrets.token_hex(16)
    first_relay_port = 49300 + 200 * worker_number()  # each worker's coturn relays on its own ports
    process = coturn_loopback.start(port, secret, min_port=first_relay_port, max_port=first_relay_port + 100)
    time.sleep(0.3)
    if process.poll() is not None:
        pytest.fail("coturn did not start")
    yield {"ECOUTE_TURN_URLS": f"turn:127.0.0.1:{port}?transport=udp", "ECOUTE_TURN_SECRET": secret}
    process.terminate()
    process.wait(5)


@pytest.fixture(scope="session")
def live_server_env(django_db_setup, django_db_blocker):
    """What a server process needs to share the tests' database."""
    with _flush_retried_on_deadlock():
        with django_db_blocker.unblock():
            yield {"DATABASE_URL": database_url(), **MANY_CALLERS_ONE_ADDRESS}


@contextlib.contextmanager
def _flush_retried_on_deadlock(attempts: int = 5):
    """Empty the tables again when PostgreSQL chose the flush as a deadlock's victim.

    A live server's timers lock rows every second; the flush's TRUNCATE locks table after table.
    When the two cross, PostgreSQL aborts the flush, which can simply run again a moment later.
    """
    from django.core.management.commands import flush

    original = flush.Command.handle

    def handle(self, *args, **options):
        for attempt in range(attempts):
            try:
                return original(self, *args, **options)
            except CommandError as error:
                if "deadlock detected" not in str(error.__cause__) or attempt == attempts - 1:
                    raise
                time.sleep(0.2)

    flush.Command.handle = handle
    try:
        yield
    finally:
        flush.Command.handle = original


@pytest.fixture(scope="session")
def line_server(live_server_env, coturn):
    """The platform as a caller and a psychologist meet it: one server process, TURN relay on."""
    server = LiveServer({**live_server_env, **coturn}, name="line").start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def site_server(live_server_env):
    """The platform for pages that place no call (no TURN relay needed).

    Without Redis each server has its own in-memory channel layer: this one must not run the
    line's timers, or it would act on calls whose sockets live in the line server.
    """
    # The rota's planning search runs its whole time bound on the pages' small teams: 5 s, as in
    # tests/rota, finds their shifts (its quality is tests/rota's subject, not the pages').
    env = {**live_server_env, "ECOUTE_TIMERS": "0", "ECOUTE_ROTA_SOLVER_SECONDS": "5"}
    server = LiveServer(env, name="site").start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def chromium():
    need_chromium()
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop in this thread; the tests' own ORM calls are plain
    # synchronous code between browser steps (the workaround Playwright and Django both document).
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS, headless=True)
        yield browser
        browser.close()


class PageOpener:
    """Opens pages of one server, each in a browser context of its own (cookies, storage, microphone).

    On close it waits until the server has finished with every websocket those pages opened, so
    that the database is quiet when the test's tables are emptied (on PostgreSQL a TRUNCATE racing a
    disconnect handler deadlocks). It counts the sockets opened, not those Playwright saw close: it
    tells no close for a socket whose page went offline or left for another site, and waiting for
    those cost ten seconds a test.
    """

    def __init__(self, browser, server: LiveServer):
        self.browser, self.server, self.contexts = browser, server, []
        self.finished_before = server.finished_sockets()
        self.sockets_opened = 0

    def __call__(self, path: str = "/", viewport=PHONE):
        context = self.browser.new_context(
            viewport=viewport, permissions=["microphone"], locale="fr-FR", base_url=self.server.url
        )
        self.contexts.append(context)
        page = context.new_page()
        page.on("websocket", self._count_socket)
        page.goto(path)
        return page

    def _count_socket(self, socket) -> None:
        self.sockets_opened += 1

    def close(self) -> None:
        expected = self.finished_before + self.sockets_opened
        for context in self.contexts:
            context.close()
        deadline = time.monotonic() + 10
        while self.server.finished_sockets() < expected and time.monotonic() < deadline:
            time.sleep(0.05)


@pytest.fixture
def new_page(chromium, line_server):
    """Pages of the line server (calls relayed by coturn); phone-sized unless told otherwise."""
    opener = PageOpener(chromium, line_server)
    yield opener
    opener.close()


@pytest.fixture
def new_site_page(chromium, site_server):
    """Pages of a server without TURN relay, for pages that place no call."""
    opener = PageOpener(chromium, site_server)
    yield opener
    opener.close()


def screenshot(page, name: str) -> Path:
    """Save a screenshot under artifacts/screenshots/ for a person to look at."""
    folder = ARTIFACTS / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    page.screenshot(path=str(path), full_page=False)
    return path
