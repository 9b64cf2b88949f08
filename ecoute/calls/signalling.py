"""Validation of the WebRTC signalling messages that the server relays between the two parties."""

import re

from django.utils.translation import gettext

MAX_SDP_LENGTH = 20_000
MAX_CANDIDATE_LENGTH = 500
_CANDIDATE_LINE = re.compile(r"^a=candidate:", re.IGNORECASE)


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
        lines = sdp.split("\r\n")
        sdp = "\r\n".join(line for line in lines if not _CANDIDATE_LINE.match(line) or " typ relay" in line)
    return {"type": description["type"], "sdp": sdp}


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
    if text and relay_only and " typ relay" not in text:
        raise SignalError(gettext("Seuls les candidats relayés sont acceptés sur cette ligne."))
    return {"candidate": text, "sdpMid": mid, "sdpMLineIndex": index}
