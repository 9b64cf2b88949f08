"""Run coturn on the loopback interface for the demo and the tests (never for production).

`allow-loopback-peers` is what lets two browsers on one machine relay through 127.0.0.1; a
production relay must not have it (docs/coturn.md gives the production settings). The logging lines
are production's (LOGGING): coturn writes nothing anywhere, as its error messages can name a client.
"""

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

TURNSERVER = shutil.which("turnserver") or "/usr/bin/turnserver"
# Never `verbose`: it logs every session with the client's address and port. Without it coturn still
# names clients in some error messages ("failure to connect from ... to ..."), so it logs nowhere.
LOGGING = ["no-stdout-log", "log-file=/dev/null"]


def config_text(port: int, secret: str, min_port: int, max_port: int, logging: list[str] = LOGGING) -> str:
    return "\n".join(
        [
            "listening-ip=127.0.0.1",
            "relay-ip=127.0.0.1",
            f"listening-port={port}",
            f"min-port={min_port}",
            f"max-port={max_port}",
            "use-auth-secret",
            f"static-auth-secret={secret}",
            "realm=ecoute.local",
            "fingerprint",
            "no-tls",
            "no-dtls",
            "no-cli",
            "no-multicast-peers",
            "allow-loopback-peers",
            *logging,
            "pidfile=/dev/null",
            "",
        ]
    )


def start(
    port: int,
    secret: str,
    min_port: int = 49160,
    max_port: int = 49260,
    logging: list[str] = LOGGING,
    output=subprocess.DEVNULL,
) -> subprocess.Popen:
    """Start turnserver in the background and return its process (its stdout and stderr to OUTPUT)."""
    if not os.path.exists(TURNSERVER):
        raise FileNotFoundError("coturn is not installed (Debian package 'coturn')")
    folder = Path(tempfile.mkdtemp(prefix="ecoute-coturn-"))
    config = folder / "turnserver.conf"
    config.write_text(config_text(port, secret, min_port, max_port, logging))
    return subprocess.Popen([TURNSERVER, "-c", str(config)], stdout=output, stderr=output)


if __name__ == "__main__":
    process = start(int(sys.argv[1]), sys.argv[2])
    sys.exit(process.wait())
