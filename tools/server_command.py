"""The command line that starts Écoute's server: README's production command, for the demo, the tests and the benchmarks.

Every server runs with the project's logging configuration (ecoute/logging.json, in which no record
can carry an address), without Uvicorn's access log, and with `--no-proxy-headers`: Uvicorn never
replaces the peer with what X-Forwarded-For claims; ecoute/lib/source.py is the only reader of that
header, and believes it only from ECOUTE_TRUSTED_PROXIES. The paths are relative: run from ROOT.
"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
APPLICATION = "ecoute.asgi:application"
OPTIONS = [
    "--no-access-log",
    "--no-proxy-headers",
    "--log-config",
    "ecoute/logging.json",
    "--lifespan",
    "on",
    "--ws-max-size",
    "1048576",
    # Frames are small JSON; uncompressed, one serialised frame serves every socket (frame_send.py).
    "--ws-per-message-deflate",
    "false",
]


def uvicorn_command(host: str, port: int, workers: int = 1, app: str = APPLICATION) -> list[str]:
    """The argument list that starts Uvicorn from this Python's environment, to run with cwd=ROOT."""
    several = ["--workers", str(workers)] if workers > 1 else []
    return [sys.executable, "-m", "uvicorn", app, "--host", host, "--port", str(port), *several, *OPTIONS]
