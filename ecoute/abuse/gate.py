"""The gate a new call passes on the caller's socket: blocks, limits, proof of work. One sync call."""

from django.conf import settings
from django.utils.translation import gettext

from ecoute.protocol import events

from . import blocks, limits, proof_of_work


class Refused(Exception):
    """A call that cannot be placed now; sent to the app as an error event with CODE and EXTRA."""

    def __init__(self, code: str, message: str, **extra):
        super().__init__(message)
        self.code, self.extra = code, extra

    def event(self) -> dict:
        return events.error(self.code, str(self), phone=settings.ECOUTE_PHONE_NUMBER, **self.extra)


def too_many_calls() -> Refused:
    return Refused(
        "too_many_calls",
        gettext("Trop d’appels depuis cet appareil en peu de temps. Réessayez dans quelques minutes."),
    )


def _prove(source: str, needed: int) -> Refused:
    return Refused(
        "proof_required",
        gettext("Votre appareil vérifie la connexion quelques secondes."),
        challenge=proof_of_work.challenge(source, needed),
    )


def admit(device_hash: str, sources: tuple[str, ...], solution=None) -> bool:
    """Let a new call from this device and source through, or raise Refused. Returns whether it is held back.

    The first call waiting from a source is free; each further one at the same time needs a proof
    of work that doubles with the number waiting, so that a few colleagues behind one hospital
    address get in within seconds and a script's hundreds of sockets do not.
    """
    source = sources[0] if sources else ""
    if blocks.blocked(device_hash, sources):
        limits.refused()
        raise Refused(
            "blocked", gettext("Cet appareil ne peut plus appeler par l’application pour quelques heures.")
        )
    solved = proof_of_work.verify(solution, source) if solution is not None else 0
    if not solved:
        # Tries with a valid proof are not counted: colleagues behind one hospital address each
        # come back once with theirs, and must not make their network look like a flood.
        limits.source_tried(source)
    flooding = limits.is_flooding(source)
    waiting = limits.waiting_from(source)
    if source and not solved and not proof_of_work.difficulty(waiting):
        # The free places are claimed with an atomic counter: calls arriving at the same moment all
        # see no call waiting yet, and only the first few of them may be free.
        waiting = max(waiting, limits.count(f"abuse:free:{source}", limits.FREE_CLAIM_WINDOW) - 1)
    needed = proof_of_work.difficulty(waiting, flooding)
    if needed:
        if not proof_of_work.enough(solved, needed):
            raise _prove(source, needed)
        # Calls proved at the same moment each take their own rank (an atomic counter), so that a
        # burst of proofs made while the count was low does not let a burst of calls in.
        rank = limits.count(f"abuse:proved:{source}", limits.PROVED_WINDOW)
        needed = max(
            needed, proof_of_work.difficulty(settings.ECOUTE_ABUSE_FREE_CALLS_PER_SOURCE - 1 + rank, flooding)
        )
        if not proof_of_work.enough(solved, needed):
            raise _prove(source, needed)
    if limits.device_over(device_hash):
        limits.refused()
        raise too_many_calls()
    return flooding
