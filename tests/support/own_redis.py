"""Redis processes of a test's own (redis-server is Debian's): stopped, restarted, replicated, watched by a Sentinel."""

import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
import redis

from .backends import need
from .live import ARTIFACTS, free_port


class OwnRedis:
    """A redis-server on a free port of its own (or a Sentinel, with a configuration file)."""

    def __init__(self, *extra: str, config: Path | None = None):
        self.port = free_port()
        self.extra, self.config = list(extra), config
        self.process = None

    def start(self) -> "OwnRedis":
        ARTIFACTS.mkdir(exist_ok=True)
        log = open(ARTIFACTS / f"redis-{self.port}.log", "a")
        command = ["redis-server"]
        if self.config:
            command += [str(self.config), "--sentinel", "--port", str(self.port), "--bind", "127.0.0.1"]
        else:
            # Its own directory: a replica writes the master's snapshot there when it syncs.
            command += [
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                self._directory(),
                *self.extra,
            ]
        self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        client = redis.Redis(port=self.port)
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"redis-server did not start: {command}")
            try:
                client.ping()
                return self
            except redis.ConnectionError:
                time.sleep(0.05)

    def _directory(self) -> str:
        self.directory = tempfile.mkdtemp(prefix="ecoute-redis-")
        return self.directory

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)
        if getattr(self, "directory", None):
            shutil.rmtree(self.directory, ignore_errors=True)

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def client(self) -> redis.Redis:
        return redis.Redis(port=self.port)


def need_redis_server() -> None:
    need(shutil.which("redis-server") is not None, "redis-server (apt-get install redis-server)")


@pytest.fixture
def own_redis():
    need_redis_server()
    server = OwnRedis().start()
    yield server
    server.stop()
