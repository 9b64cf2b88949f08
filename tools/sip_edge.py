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
    # Digest registration to the operator's trunk (docs/telephony.md, "The operator's trunk"): its
    # registrar (host:port), the account's user name, password and domain; none: IP authentication.
    trunk_registrar: str = ""
    trunk_username: str = ""
    trunk_password: str = ""
    trunk_domain: str = ""
    trunk_expires: int = 600

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
            trunk_registrar=environ.get("ECOUTE_SIP_TRUNK_REGISTRAR", ""),
            trunk_username=environ.get("ECOUTE_SIP_TRUNK_USERNAME", ""),
            trunk_password=environ.get("ECOUTE_SIP_TRUNK_PASSWORD", ""),
            trunk_domain=environ.get("ECOUTE_SIP_TRUNK_DOMAIN", ""),
            trunk_expires=number("ECOUTE_SIP_TRUNK_EXPIRES", defaults.trunk_expires),
        )

    def registers(self) -> bool:
        """Whether the edge registers to the trunk (digest), rather than being known by its address."""
        return bool(self.trunk_registrar)


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


_REGISTRAR = re.compile(r"^[A-Za-z0-9.-]+(:[0-9]{1,5})?$")
_ACCOUNT = re.compile(r"^[A-Za-z0-9._+-]{1,64}$")


def _checked_registration(settings: EdgeSettings) -> None:
    """The trunk's registration settings, refused with a clear message when they cannot be right."""
    problems = []
    if not _REGISTRAR.match(settings.trunk_registrar):
        problems.append("ECOUTE_SIP_TRUNK_REGISTRAR must be host or host:port")
    if not _ACCOUNT.match(settings.trunk_username):
        problems.append(
            "ECOUTE_SIP_TRUNK_USERNAME must be the account's user name (letters, digits, . _ + -)"
        )
    if not settings.trunk_password or any(c in settings.trunk_password for c in "\r\n\\"):
        problems.append("ECOUTE_SIP_TRUNK_PASSWORD must be set, without '\\' or line breaks")
    if settings.trunk_domain and not _REGISTRAR.match(settings.trunk_domain):
        problems.append("ECOUTE_SIP_TRUNK_DOMAIN must be a host name")
    if not 60 <= settings.trunk_expires <= 86400:
        problems.append("ECOUTE_SIP_TRUNK_EXPIRES must be between 60 and 86400 seconds")
    if problems:
        raise SystemExit("; ".join(problems))


def _db_text(value: str) -> str:
    """A value in a db_text row, whose columns are separated by ':'."""
    return value.replace("\\", "\\\\").replace(":", "\\:")


def registration_table(settings: EdgeSettings, folder: Path) -> None:
    """The trunk's account as Kamailio's uac module reads it (db_text, in the edge's private folder:
    the password is never in git nor in the configuration file)."""
    _checked_registration(settings)
    shipped = Path("/usr/share/kamailio/dbtext/kamailio")
    domain = settings.trunk_domain or settings.trunk_registrar.split(":")[0]
    edge = f"{ipaddress.ip_address(settings.edge_address)}:{settings.edge_port}"
    row = [
        "1",
        "trunk",  # l_uuid: the registration's name here
        settings.trunk_username,
        domain,
        settings.trunk_username,
        domain,
        "",  # realm: the one the registrar's challenge names
        settings.trunk_username,
        settings.trunk_password,
        "",  # auth_ha1
        f"sip:{settings.trunk_registrar}",  # where the REGISTER is sent
        str(settings.trunk_expires),
        "0",  # flags
        "0",  # reg_delay
        edge,  # the contact the operator sends the calls to
        f"udp:{edge}",  # the socket the REGISTER leaves from
    ]
    # An empty value is a null in db_text: the realm (the challenge's own) and the HA1 may be empty.
    header = (shipped / "uacreg").read_text().splitlines()[0]
    for column in ("realm", "auth_ha1"):
        header = header.replace(f"{column}(string)", f"{column}(string,null)")
    table = folder / "uacreg"
    table.touch(mode=0o600)
    table.write_text(header + "\n" + ":".join(_db_text(value) for value in row) + "\n")
    versions = (shipped / "version").read_text().splitlines()
    (folder / "version").write_text(
        "\n".join([versions[0], *[v for v in versions if ":uacreg:" in v]]) + "\n"
    )


def registration_config(settings: EdgeSettings, folder: Path) -> str:
    """The lines that make the edge register to the trunk (uac_reg), or none under IP authentication."""
    if not settings.registers():
        return ""
    registration_table(settings, folder)
    return "\n".join(
        [
            'loadmodule "db_text.so"',
            'modparam("debugger", "mod_level", "db_text=-3")',
            f'modparam("uac", "reg_db_url", "text://{folder}")',
            f'modparam("uac", "reg_contact_addr", "{ipaddress.ip_address(settings.edge_address)}:{settings.edge_port}")',
            'modparam("uac", "reg_timer_interval", 10)',
            'modparam("uac", "reg_retry_interval", 60)',
            'modparam("uac", "reg_keep_callid", 1)',
        ]
    )


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
        "TRUNK_REGISTRATION": registration_config(settings, dispatcher_file.parent),
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
