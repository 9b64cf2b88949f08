"""Validation of the WebRTC signalling messages that the server relays between the two parties.

With the TURN relay on, what one party's browser sends reaches the other without a network address
but the relay's, whatever that browser does: non-relay candidates are dropped, the related address
(raddr/rport) of relay candidates and every SDP address field (`c=`, `o=`, `a=rtcp`) are blanked.
The psychologist's browser never learns where the caller is, even from a browser that ignores the
relay-only policy.
"""

import re

from django.utils.translation import gettext

MAX_SDP_LENGTH = 20_000
MAX_CANDIDATE_LENGTH = 500
_CANDIDATE_LINE = re.compile(r"^a=candidate:", re.IGNORECASE)
_REMOTE_CANDIDATES_LINE = re.compile(r"^a=remote-candidates:", re.IGNORECASE)
_SDP_ADDRESS = re.compile(r"\bIN (IP4|IP6) [^\s/]+", re.IGNORECASE)
BLANK = {"IP4": "0.0.0.0", "IP6": "::"}


class SignalError(ValueError):
    """A signalling message that is malformed; it is never relayed."""


def clean_signal(signal, relay_only: bool) -> dict:
    """Return the signal to relay, reduced to the fields WebRTC needs.

    When media must go through the TURN relay, any candidate that would reveal a host or
    reflexive address is dropped here too, as a second line of defence behind the browser's
    iceTransportPolicy.
    """
    if not isinstance(signal, dict):
        raise SignalError(gettext("Le signal doit être un objet."))
    if "description" in signal:
        return {"description": _clean_description(signal["description"], relay_only)}
    if "candidate" in signal:
        return {"candidate": _clean_candidate(signal["candidate"], relay_only)}
    raise SignalError(gettext("Le signal doit contenir « description » ou « candidate »."))


def _clean_description(description, relay_only: bool) -> dict:
    if not isinstance(description, dict) or description.get("type") not in ("offer", "answer"):
        raise SignalError(gettext("La description doit être une offre ou une réponse."))
    sdp = description.get("sdp")
    if not isinstance(sdp, str) or not sdp.startswith("v=0") or len(sdp) > MAX_SDP_LENGTH:
        raise SignalError("Description SDP invalide.")
    if relay_only:
        sdp = _without_addresses(sdp)
    return {"type": description["type"], "sdp": sdp}


def _without_addresses(sdp: str) -> str:
    """The SDP with relay candidates only, their related addresses and every address field blanked."""
    kept = []
    for line in re.split(r"\r?\n", sdp):
        if _CANDIDATE_LINE.match(line):
            candidate = relay_candidate(line[2:])
            if candidate is None:
                continue
            line = f"a={candidate}"
        elif _REMOTE_CANDIDATES_LINE.match(line):
            continue
        else:
            line = _SDP_ADDRESS.sub(
                lambda match: f"IN {match.group(1).upper()} {BLANK[match.group(1).upper()]}", line
            )
        kept.append(line)
    return "\r\n".join(kept)


def relay_candidate(text: str) -> str | None:
    """A relay candidate with its related address blanked; None for any other candidate.

    The grammar (RFC 8839): foundation component transport priority address port "typ" type, then
    name/value pairs, among them raddr/rport: for a relay, the address the browser was seen from.
    """
    fields = text.split()
    if len(fields) < 8 or fields[6].lower() != "typ" or fields[7].lower() != "relay":
        return None
    for index in range(8, len(fields) - 1, 2):
        name = fields[index].lower()
        if name == "raddr":
            fields[index + 1] = "0.0.0.0"
        elif name == "rport":
            fields[index + 1] = "0"
    return " ".join(fields)


def _clean_candidate(candidate, relay_only: bool):
    if candidate is None:  # end of candidates
        return None
    if not isinstance(candidate, dict):
        raise SignalError("Candidat ICE invalide.")
    text = candidate.get("candidate")
    mid = candidate.get("sdpMid")
    index = candidate.get("sdpMLineIndex")
    if not isinstance(text, str) or len(text) > MAX_CANDIDATE_LENGTH:
        raise SignalError("Candidat ICE invalide.")
    if mid is not None and (not isinstance(mid, str) or len(mid) > 32):
        raise SignalError("Candidat ICE invalide (sdpMid).")
    if index is not None and (not isinstance(index, int) or isinstance(index, bool) or not 0 <= index < 16):
        raise SignalError("Candidat ICE invalide (sdpMLineIndex).")
    if text and relay_only:
        text = relay_candidate(text)
        if text is None:
            raise SignalError(gettext("Seuls les candidats relayés sont acceptés sur cette ligne."))
    # Only these fields travel: relatedAddress, relatedPort, address... would repeat what is blanked above.
    return {"candidate": text, "sdpMid": mid, "sdpMLineIndex": index}
