"""The line's answer rate: one definition for the supervisors' board, the statistics, their exports and API.

- answered: the calls a psychologist picked up (`answered_at` set), whether the conversation is
  over or still going;
- abandoned: the calls whose caller left before anyone answered (state ABANDONED), however soon
  they left: a caller who gives up after five seconds may be the one in distress, so no call is
  set aside as "too short to count";
- offered: answered + abandoned, the calls that reached the line and whose outcome is known. A
  caller still waiting, or whose call is ringing, has not been failed yet and is not counted;
- answer rate: answered / offered, in percent to one decimal place; none when nothing was offered.

Every figure of service reads the calls through `counted` first: that is the one place where calls
that are not a caller asking for help are left out of the figures.
"""

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from .models import CallState, EndReason

ANSWERED = Q(answered_at__isnull=False)
ABANDONED = Q(state=CallState.ABANDONED)


# Ended as abuse (a supervisor's block, ecoute/abuse): counted apart, outside the service figures.
ABUSE_REASONS = (EndReason.BLOCKED,)


def counted(calls: QuerySet) -> QuerySet:
    """The calls of CALLS that count in the line's service figures: all but those ended as abuse."""
    return calls.exclude(end_reason__in=ABUSE_REASONS)


@dataclass(frozen=True)
class Outcome:
    answered: int
    abandoned: int

    @property
    def offered(self) -> int:
        return self.answered + self.abandoned

    @property
    def answer_rate(self) -> float | None:
        return answer_rate(self.answered, self.abandoned)


def answer_rate(answered: int, abandoned: int) -> float | None:
    """Answered / (answered + abandoned), in percent to one decimal place; None when no call is over."""
    offered = answered + abandoned
    return round(100 * answered / offered, 1) if offered else None


def outcome(calls: QuerySet) -> Outcome:
    """How many of CALLS were answered and how many abandoned (see the module's definition)."""
    sums = counted(calls).aggregate(
        answered=Count("pk", filter=ANSWERED), abandoned=Count("pk", filter=ABANDONED)
    )
    return Outcome(sums["answered"], sums["abandoned"])
