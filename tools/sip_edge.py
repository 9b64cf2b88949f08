"""Start Kamailio, the SIP edge, on telephony/kamailio/kamailio.cfg with this environment's values.

Every value comes from the environment (docs/telephony.md): where the edge listens for the trunk,
which addresses the trunk sends from, where the media side listens. The rendered configuration is
written to a private temporary folder and holds no secret: the keys of the calling numbers' hash are
drawn by Kamailio itself at start and every day, and live in its memory only.
"""

import glob
import ipaddress
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "telephony" / "kamailio" / "kamailio.cfg"
KAMAILIO = shutil.which("kamailio") or "/usr/sbin/kamailio"


def _modules_folder() -> str:
    found = sorted(glob.glob("/usr/lib/*/kamailio/modules")) + sorted(glob.glob("/usr/lib/kamailio/modules"))
    if not found:
        raise FileNotFoundError("Kamailio's modules were not found (Debian package 'kamailio')")
    return found[0] + "/"


@dataclass
class EdgeSettings:
    edge_address: str = "127.0.0.1"
    edge_port: int = 5060
    media_address: str = "127.0.0.1"
    media_port: int = 5080
    # Further media agents (each holds 4 calls), tried in turn after media_port.
    more_media_ports: list[int] = field(default_factory=list)
    # The operator's addresses (networks); only they may start a call.
    trunk_networks: list[str] = field(default_factory=lambda: ["127.0.0.1/32"])
    invites_per_number: int = 5  # per minute, per hashed calling number
    pike_density: int = 60  # requests per 2 s from one address (the trunk is one address)
    key_rotation_seconds: int = 86400
    dialog_timeout: int = 14400  # 4 h: the longest call the edge remembers
    log_level: int = 1  # notices and errors; never the debug levels that print messages
    children: int = 2

    @classmethod
    def from_environment(cls, environ=os.environ) -> "EdgeSettings":
        def number(name: str, default: int) -> int:
            value = environ.get(name, "")
            try:
                return int(value) if value else default
            except ValueError:
                raise SystemExit(f"{name} must be a whole number, not {value!r}") from None

        defaults = cls()
        trunk = [
            entry.strip()
            for entry in environ.get("ECOUTE_SIP_TRUNK_NETWORKS", "").split(",")
            if entry.strip()
        ]
        return cls(
            edge_address=environ.get("ECOUTE_SIP_EDGE_ADDRESS", defaults.edge_address),
            edge_port=number("ECOUTE_SIP_EDGE_PORT", defaults.edge_port),
            media_address=environ.get("ECOUTE_SIP_MEDIA_ADDRESS", defaults.media_address),
            media_port=number("ECOUTE_SIP_MEDIA_PORT", defaults.media_port),
            more_media_ports=[
                int(port)
                for port in environ.get("ECOUTE_SIP_MORE_MEDIA_PORTS", "").split(",")
                if port.strip()
            ],
            trunk_networks=trunk or defaults.trunk_networks,
            invites_per_number=number("ECOUTE_SIP_INVITES_PER_NUMBER", defaults.invites_per_number),
            pike_density=number("ECOUTE_SIP_REQUESTS_PER_ADDRESS", defaults.pike_density),
            key_rotation_seconds=number("ECOUTE_SIP_KEY_ROTATION_SECONDS", defaults.key_rotation_seconds),
        )


def _trunk_check(networks: list[str]) -> str:
    """Kamailio's condition "the request comes from the trunk", from checked networks."""
    checks = []
    for entry in networks:
        network = ipaddress.ip_network(entry, strict=False)  # ValueError on anything else
        checks.append(f"src_ip == {network.network_address}/{network.prefixlen}")
    return " || ".join(checks)


def _silenced_modules(template: str) -> str:
    """Every loaded module but xlog (this script's own lines) writes nothing below critical."""
    modules = re.findall(r'^loadmodule "(\w+)\.so"', template, flags=re.MULTILINE)
    return "\n".join(f'modparam("debugger", "mod_level", "{name}=-3")' for name in modules if name != "xlog")


def dispatcher_list(settings: EdgeSettings) -> str:
    """The media agents, one a line: Kamailio's dispatcher sends each new call to the next."""
    address = ipaddress.ip_address(settings.media_address)
    ports = [settings.media_port, *settings.more_media_ports]
    return "".join(f"1 sip:{address}:{int(port)}\n" for port in ports)


def config_text(settings: EdgeSettings, dispatcher_file: Path | None = None) -> str:
    text = TEMPLATE.read_text()
    dispatcher_file = dispatcher_file or Path(tempfile.mkdtemp(prefix="ecoute-sip-edge-")) / "dispatcher.list"
    dispatcher_file.write_text(dispatcher_list(settings))
    values = {
        "LOG_LEVEL": settings.log_level,
        "CHILDREN": settings.children,
        "EDGE_ADDRESS": ipaddress.ip_address(settings.edge_address),
        "EDGE_PORT": settings.edge_port,
        "MEDIA_ADDRESS": ipaddress.ip_address(settings.media_address),
        "MEDIA_PORT": settings.media_port,
        "MODULES": _modules_folder(),
        "TRUNK_CHECK": _trunk_check(settings.trunk_networks),
        "INVITES_PER_NUMBER": settings.invites_per_number,
        "PIKE_DENSITY": settings.pike_density,
        "KEY_ROTATION_SECONDS": settings.key_rotation_seconds,
        "DIALOG_TIMEOUT": settings.dialog_timeout,
        "DISPATCHER_LIST": dispatcher_file,
    }
    values["MODULE_LEVELS"] = _silenced_modules(text)
    for name, value in values.items():
        text = text.replace(f"@@{name}@@", str(value))
    return text


def start(settings: EdgeSettings, output=subprocess.DEVNULL) -> subprocess.Popen:
    """Kamailio in the foreground of a child process (-DD), logging to OUTPUT (-E)."""
    if not os.path.exists(KAMAILIO):
        raise FileNotFoundError("Kamailio is not installed (Debian package 'kamailio')")
    folder = Path(tempfile.mkdtemp(prefix="ecoute-sip-edge-"))
    config = folder / "kamailio.cfg"
    config.write_text(config_text(settings, folder / "dispatcher.list"))
    check = subprocess.run([KAMAILIO, "-c", "-f", str(config)], capture_output=True, text=True)
    if check.returncode != 0:
        raise RuntimeError(f"Kamailio refused its configuration:\n{check.stderr[-3000:]}")
    return subprocess.Popen(
        [
            KAMAILIO,
            "-DD",
            "-E",
            "-f",
            str(config),
            "-P",
            str(folder / "kamailio.pid"),
            "-Y",
            str(folder),
            "-m",
            "64",
            "-M",
            "8",
        ],
        stdout=output,
        stderr=output,
    )


if __name__ == "__main__":
    process = start(EdgeSettings.from_environment(), output=None)
    try:
        sys.exit(process.wait())
    except KeyboardInterrupt:
        process.terminate()
        sys.exit(process.wait())
