"""Finding IP addresses in what a process wrote, for the tests that no log names a caller."""

import ipaddress
import re

IPV4 = re.compile(r"(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?![\d.])")
IPV6_CANDIDATE = re.compile(r"[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}")


def addresses_in(text: str) -> list[str]:
    """Every IPv4 and IPv6 address in TEXT (a clock time such as 12:30:45 is not one)."""
    ipv6 = []
    for candidate in IPV6_CANDIDATE.findall(text):
        try:
            ipaddress.IPv6Address(candidate)
        except ValueError:
            continue
        ipv6.append(candidate)
    return IPV4.findall(text) + ipv6
