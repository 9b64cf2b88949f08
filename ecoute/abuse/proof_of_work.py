"""A small proof of work, ALTCHA-style, asked of the 2nd and later simultaneous calls from one source.

No third party: the server picks a random number N up to `maxnumber` and sends SHA-256(salt + N)
with an HMAC signature; the caller's app (static/abuse/proof_of_work.js) tries 0, 1, 2... until
it finds N, and sends it back with the join. Finding it costs on average maxnumber / 2 hashes:
nothing for the first call of a source (none is asked), a second or so on a phone for a few
colleagues behind one hospital address, hours for a script's hundreds of sockets (maxnumber doubles
with each call the source already has waiting).

The signature binds the challenge to the source it was given to (the source's hash is in the HMAC,
never sent); a solution is accepted once, before it expires, and only if it was made for a
difficulty close to what the source needs now.
"""

import hashlib
import hmac
import secrets
import time

from django.conf import settings
from django.core.cache import cache
from django.utils.crypto import salted_hmac

ALGORITHM = "SHA-256"
LIFETIME = 300
MAX_NUMBER = 10**9


def difficulty(waiting: int, flooding: bool = False) -> int:
    """The maxnumber asked of a call when its source already has WAITING calls waiting (0: none asked).

    The first ECOUTE_ABUSE_FREE_CALLS_PER_SOURCE are free; a source flooding the line pays as if
    it had four more calls waiting than it has.
    """
    beyond = waiting - settings.ECOUTE_ABUSE_FREE_CALLS_PER_SOURCE + 1
    if flooding:
        beyond = max(beyond, 1) + 4
    if beyond <= 0:
        return 0
    return min(MAX_NUMBER, settings.ECOUTE_ABUSE_POW_BASE * 2 ** min(beyond - 1, 40))


def _sign(challenge: str, source: str) -> str:
    return salted_hmac("ecoute.abuse.proof_of_work", f"{challenge}:{source}", algorithm="sha256").hexdigest()


def _hash(salt: str, number: int) -> str:
    return hashlib.sha256(f"{salt}{number}".encode()).hexdigest()


def challenge(source: str, maxnumber: int) -> dict:
    """A new challenge for SOURCE at difficulty MAXNUMBER, as sent to the app."""
    expires = int(time.time()) + LIFETIME
    salt = f"{secrets.token_hex(12)}?expires={expires}&maxnumber={maxnumber}"
    digest = _hash(salt, secrets.randbelow(maxnumber + 1))
    return {
        "algorithm": ALGORITHM,
        "challenge": digest,
        "maxnumber": maxnumber,
        "salt": salt,
        "signature": _sign(digest, source),
    }


def _params(salt: str) -> dict:
    _, _, query = salt.partition("?")
    params = dict(part.partition("=")[::2] for part in query.split("&") if "=" in part)
    try:
        return {"expires": int(params["expires"]), "maxnumber": int(params["maxnumber"])}
    except (KeyError, ValueError):
        return {}


def verify(solution, source: str) -> int:
    """The difficulty (maxnumber) of SOLUTION if it is a fresh, unused answer to a challenge given to SOURCE, else 0."""
    if not isinstance(solution, dict):
        return 0
    salt, digest, signature, number = (solution.get(k) for k in ("salt", "challenge", "signature", "number"))
    if (
        not all(isinstance(v, str) for v in (salt, digest, signature))
        or not isinstance(number, int)
        or isinstance(number, bool)
    ):
        return 0
    params = _params(salt)
    if not params or params["expires"] < time.time():
        return 0
    if not hmac.compare_digest(signature, _sign(digest, source)) or not hmac.compare_digest(
        _hash(salt, number), digest
    ):
        return 0
    if not cache.add(f"abuse:pow-used:{digest}", 1, timeout=LIFETIME):  # once only
        return 0
    return params["maxnumber"]


def enough(solved: int, needed: int) -> bool:
    """A proof made for at least half the difficulty needed now: a few colleagues asking at once each
    got a challenge made before the others were counted; a script's early challenges are still refused
    once its calls pile up."""
    return solved * 2 >= needed


def solve(payload: dict) -> int | None:
    """What the app does, in Python: for tests and the benchmark."""
    for number in range(payload["maxnumber"] + 1):
        if _hash(payload["salt"], number) == payload["challenge"]:
            return number
    return None
