"""The gate a new call passes on the caller's socket: blocks, limits, proof of work. One sync call."""

from dataclasses import dataclass

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
    outcome = admit_all([Attempt(device_hash, tuple(sources), solution)])[0]
    if isinstance(outcome, Refused):
        raise outcome
    return outcome


@dataclass(frozen=True)
class Attempt:
    """A new call at the gate: the device's key hash, the source's hashes (today's first), its proof."""

    device_hash: str
    sources: tuple[str, ...]
    solution: object = None

    @property
    def source(self) -> str:
        return self.sources[0] if self.sources else ""


def admit_all(attempts: list[Attempt]) -> list["bool | Refused"]:
    """admit() for the ATTEMPTS a server process received at once: for each, held back or the refusal.

    The same checks in the same order as one call after the other, but each check made for every
    attempt in one trip to the cache (a handful of trips for a batch, where each attempt alone
    made eight: in a surge they were most of the time a caller waited, docs/performance.md).
    Counts are atomic increments, so attempts of one batch rank among themselves as if one came
    after the other.
    """
    outcomes: dict[int, bool | Refused] = {}
    pending = _not_blocked(attempts, outcomes)
    solved = {i: _solved(attempts[i]) for i in pending}
    # Tries with a valid proof are not counted: colleagues behind one hospital address each come
    # back once with theirs, and must not make their network look like a flood.
    limits.sources_tried([attempts[i].source for i in pending if not solved[i]])
    sources = [attempts[i].source for i in pending]
    flooding = dict(zip(pending, limits.are_flooding(sources)))
    waiting = dict(zip(pending, limits.waiting_from_each(sources)))
    # The free places are claimed with an atomic counter: calls arriving at the same moment all
    # see no call waiting yet, and only the first few of them may be free.
    claiming = [
        i
        for i in pending
        if attempts[i].source and not solved[i] and not proof_of_work.difficulty(waiting[i])
    ]
    claims = limits.count_each(
        [f"abuse:free:{attempts[i].source}" for i in claiming], limits.FREE_CLAIM_WINDOW
    )
    for i, claim in zip(claiming, claims):
        waiting[i] = max(waiting[i], claim - 1)
    for i in pending:
        refusal = _proof_refusal(attempts[i], solved[i], waiting[i], flooding[i])
        if refusal is not None:
            outcomes[i] = refusal
    counted = [i for i in pending if i not in outcomes and attempts[i].device_hash]
    over = limits.devices_over([attempts[i].device_hash for i in counted])
    for i, too_many in zip(counted, over):
        if too_many:
            limits.refused()
            outcomes[i] = too_many_calls()
    for i in pending:
        outcomes.setdefault(i, flooding[i])
    return [outcomes[i] for i in range(len(attempts))]


def _not_blocked(attempts: list[Attempt], outcomes: dict) -> list[int]:
    """The indexes of the attempts not blocked; a refusal in OUTCOMES for the others."""
    blocked = blocks.blocked_each([(attempt.device_hash, attempt.sources) for attempt in attempts])
    for i, is_blocked in enumerate(blocked):
        if is_blocked:
            limits.refused()
            outcomes[i] = Refused(
                "blocked",
                gettext("Cet appareil ne peut plus appeler par l’application pour quelques heures."),
            )
    return [i for i in range(len(attempts)) if i not in outcomes]


def _solved(attempt: Attempt) -> int:
    return proof_of_work.verify(attempt.solution, attempt.source) if attempt.solution is not None else 0


def _proof_refusal(attempt: Attempt, solved: int, waiting: int, flooding: bool) -> "Refused | None":
    """The proof of work this attempt still owes, or None."""
    needed = proof_of_work.difficulty(waiting, flooding)
    if not needed:
        return None
    if not proof_of_work.enough(solved, needed):
        return _prove(attempt.source, needed)
    # Calls proved at the same moment each take their own rank (an atomic counter), so that a
    # burst of proofs made while the count was low does not let a burst of calls in.
    rank = limits.count(f"abuse:proved:{attempt.source}", limits.PROVED_WINDOW)
    needed = max(
        needed, proof_of_work.difficulty(settings.ECOUTE_ABUSE_FREE_CALLS_PER_SOURCE - 1 + rank, flooding)
    )
    if not proof_of_work.enough(solved, needed):
        return _prove(attempt.source, needed)
    return None
