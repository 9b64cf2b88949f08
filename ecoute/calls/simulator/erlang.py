"""Queueing models of the line, to set the simulator's figures beside: Erlang B, C and A.

Erlang B (M/M/n/n): Poisson arrivals offering A erlangs to n channels, a call finding them all busy
is refused: what sizes the phone line's trunk (docs/telephony.md, "Sizing the trunk").

Erlang C (M/M/n): Poisson arrivals at rate λ, exponential handle times of mean h, n listeners,
callers who never give up. Erlang A (M/M/n+M): the same, but each caller gives up after an
exponential patience of mean p. Implemented from the formulas (pyworkforce's Erlang C needs
pandas, scipy and ortools for a few lines of arithmetic).
"""

import math
from dataclasses import dataclass


def erlang_b(traffic: float, agents: int) -> float:
    """Blocking probability, by the stable recursion B(0) = 1, B(k) = A·B(k-1) / (k + A·B(k-1))."""
    blocking = 1.0
    for k in range(1, agents + 1):
        blocking = traffic * blocking / (k + traffic * blocking)
    return blocking


def traffic_erlangs(calls_per_hour: float, mean_seconds: float) -> float:
    """The traffic calls offer: how many channels they keep busy on average (calls x hold time / hour)."""
    return calls_per_hour * mean_seconds / 3600


def channels_for(traffic: float, blocking: float) -> int:
    """The fewest channels (trunk lines) for which Erlang B refuses at most BLOCKING of the calls."""
    if not 0 < blocking < 1:
        raise ValueError("blocking is a share of calls, strictly between 0 and 1")
    if traffic <= 0:
        return 0  # no call offered, none refused
    channels = 0
    while erlang_b(traffic, channels) > blocking:
        channels += 1
    return channels


def erlang_c(traffic: float, agents: int) -> float:
    """The probability that a caller has to wait (1 when the listeners cannot keep up)."""
    if agents <= traffic:
        return 1.0
    blocking = erlang_b(traffic, agents)
    return blocking / (1 - (traffic / agents) * (1 - blocking))


@dataclass(frozen=True)
class Prediction:
    answer_rate: float  # share of callers answered (1 for Erlang C)
    waiting: float  # share of callers who wait at all
    service_level: float  # share answered within the target
    average_speed: float  # mean wait, seconds (Erlang C: answered callers; Erlang A: every caller)


def erlang_c_prediction(rate: float, handle: float, agents: int, target: float = 20) -> Prediction:
    """RATE calls per second, HANDLE seconds per call, AGENTS listeners; TARGET seconds for the service level."""
    traffic = rate * handle
    waiting = erlang_c(traffic, agents)
    if agents <= traffic:
        return Prediction(1.0, 1.0, 0.0, math.inf)
    service_level = 1 - waiting * math.exp(-(agents - traffic) * target / handle)
    return Prediction(1.0, waiting, service_level, waiting * handle / (agents - traffic))


def erlang_a_prediction(
    rate: float, handle: float, agents: int, patience: float, target: float = 20
) -> Prediction:
    """Erlang A from its birth-death chain: state k = callers in the system; leaving rate
    min(k, n)/h + max(k - n, 0)/p. Arrivals see the stationary state (PASTA)."""
    mu, theta = 1 / handle, 1 / patience
    p = arrival_states(rate, handle, agents, patience)
    queue = sum((k - agents) * pk for k, pk in enumerate(p) if k > agents)
    abandon = theta * queue / rate
    waiting = sum(pk for k, pk in enumerate(p) if k >= agents)
    answered = 1 - abandon
    # Mean wait by Little's law, over every caller (the ones who gave up included).
    return Prediction(answered, waiting, _erlang_a_within(p, agents, mu, theta, target), queue / rate)


def arrival_states(rate: float, handle: float, agents: int, patience: float) -> list[float]:
    """Erlang A's stationary chances of K callers in the system, K = 0, 1, … until the tail is negligible."""
    mu, theta = 1 / handle, 1 / patience
    weights, total, k = [1.0], 1.0, 0
    while True:
        k += 1
        weights.append(weights[-1] * rate / (min(k, agents) * mu + max(k - agents, 0) * theta))
        total += weights[-1]
        if k > agents and weights[-1] < 1e-14 * total:
            break
    total = sum(weights)
    return [w / total for w in weights]


def _erlang_a_within(p: list[float], agents: int, mu: float, theta: float, target: float) -> float:
    """Share of all callers answered within TARGET seconds.

    A caller arriving with j callers queued ahead (all listeners busy) is answered when j + 1
    service completions happen before they give up; while they wait, completions come at rate
    n·μ and the callers ahead leave by completion or abandonment. Computed by uniformising the
    small chain of "callers ahead" in steps of 0.1 s, backwards: the chance of being answered in
    the steps left, for every number ahead at once (one pass of the chain, not one per arrival
    state: the rota's risk computes this every second on a busy line, docs/performance.md).
    """
    answered_in_time = sum(p[:agents])  # a listener is free
    most_ahead = len(p) - 1 - agents
    if most_ahead < 0:
        return answered_in_time
    step = 0.1
    served, gave_up = agents * mu * step, theta * step
    # within[j]: the chance that a caller with j callers ahead is answered in the steps left.
    within = [0.0] * (most_ahead + 1)
    for _ in range(int(target / step)):
        before = within
        within = [served + (1 - served - gave_up) * before[0]]
        for j in range(1, most_ahead + 1):
            left_ahead = j * theta * step
            within.append(
                (served + left_ahead) * before[j - 1] + (1 - served - left_ahead - gave_up) * before[j]
            )
    return answered_in_time + sum(
        pk * within[k - agents] for k, pk in enumerate(p) if k >= agents and pk >= 1e-12
    )


def staffing_for(rate: float, handle: float, service_level: float = 0.95, target: float = 20) -> int:
    """The fewest listeners for which Erlang C predicts SERVICE_LEVEL answered within TARGET seconds."""
    agents = max(1, math.ceil(rate * handle))
    while erlang_c_prediction(rate, handle, agents, target).service_level < service_level:
        agents += 1
    return agents
