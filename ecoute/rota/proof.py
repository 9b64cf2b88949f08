"""The proof that a rota keeps its promise: a forecast week replayed by the simulator on the rota the
planner made for it, beside what the rota's model promised for the same week.

The promise is Erlang A half-hour by half-hour with the listeners the rota puts on duty (not the
requirement: where the rota has more, or fewer, the promise says so), weighted by each half-hour's
expected calls. The replay (ecoute/calls/simulator/simulation.py, Replay) draws Poisson calls around
the same forecast, puts the same listeners on duty, and lets the real router and actions answer them,
in the simulator's own database: nothing real is read or written.

The model's handle time is the whole time a call holds a listener; the simulated listener takes
some seconds to pick up and wraps up for WRAP_UP_SECONDS, so they talk for the rest of it.
"""

import time

from ecoute.calls.simulator.erlang import erlang_a_prediction
from ecoute.calls.simulator.simulation import Replay, Simulation

from .forecast import HALF_HOUR, Measures, Slot
from .planner import Horizon, Person, Rules, Shift, plan
from .planning import horizon_of
from .requirement import Target, needs_for

WRAP_UP_SECONDS = 60
ANSWER_DELAY = (2.0, 6.0)


def listeners_on_duty(horizon: Horizon, people: list[Person], shifts: list[Shift]) -> list[int]:
    """Listeners (not supervisors: they take escalations) on duty in each half-hour of the rota."""
    supervising = {person.id for person in people if person.supervising}
    on_duty = [0] * len(horizon.moments)
    for shift in shifts:
        if shift.person not in supervising:
            for index in range(shift.start, shift.end):
                on_duty[index] += 1
    return on_duty


def promise(calls: list[float], on_duty: list[int], line: Measures, seconds: float) -> dict:
    """What the model says of the week on this rota: shares of callers, in percent."""
    handle, patience = line.handle_seconds, line.patience_seconds
    answered = within = weight = 0.0
    for expected, listeners in zip(calls, on_duty, strict=True):
        if expected <= 0:
            continue
        prediction = erlang_a_prediction(
            expected / HALF_HOUR.total_seconds(), handle, listeners, patience, seconds
        )
        answered += expected * prediction.answer_rate
        within += expected * prediction.service_level
        weight += expected
    if not weight:
        raise ValueError("no call expected in the forecast: the rota has no promise to prove")
    return {
        "answer_rate": round(100 * answered / weight, 2),
        "service_level": round(100 * within / weight, 2),
    }


def replay(calls: list[float], on_duty: list[int], line: Measures, seed: int) -> dict:
    """The simulator's figures for the week: CALLS expected and ON_DUTY listeners per half-hour."""
    talk = line.handle_seconds - sum(ANSWER_DELAY) / 2 - WRAP_UP_SECONDS
    if talk <= 0:
        raise ValueError(f"a handle time of {line.handle_seconds:.0f} s leaves no time to talk")
    scenario = Replay(
        "rota",
        calls_per_day=sum(calls) / (len(calls) / 48),
        profile=[1] * 24,
        talk_seconds=talk,
        patience_seconds=line.patience_seconds,
        answer_delay=ANSWER_DELAY,
        wrap_up_seconds=WRAP_UP_SECONDS,
        half_hours=list(zip(calls, on_duty, strict=True)),
    )
    return Simulation(scenario, days=len(calls) / 48, seed=seed).run().figures()


def prove(
    slots: list[Slot], line: Measures, people: list[Person], rules: Rules, seconds: float, seed: int = 14
) -> dict:
    """Plan the forecast week (SLOTS) for PEOPLE, then set the simulated week beside the promise."""
    target = Target.from_settings()
    horizon = horizon_of(needs_for(slots, line, target))
    rota = plan(horizon, people, rules, seconds)
    on_duty = listeners_on_duty(horizon, people, rota.shifts)
    calls = [slot.calls for slot in slots]
    promised = promise(calls, on_duty, line, target.seconds)
    began = time.monotonic()
    simulated = replay(calls, on_duty, line, seed)
    simulation_seconds = time.monotonic() - began
    return {
        "target": {"service_level": round(100 * target.answered, 2), "seconds": target.seconds},
        "promised": promised,
        "simulated": {
            key: simulated[key] for key in ("offered", "answer_rate", "service_level", "offered_within")
        },
        # The model's wait ends when a listener is rung; the caller's when they pick up, seconds later.
        "service_level_gap_points": round(abs(simulated["offered_within"] - promised["service_level"]), 2),
        "answer_rate_gap_points": round(abs(simulated["answer_rate"] - promised["answer_rate"]), 2),
        "rota": {
            "status": rota.status,
            "planned_half_hours": sum(on_duty),
            "needed_half_hours": sum(horizon.listeners),
            "uncovered_half_hours": sum(gap.listeners for gap in rota.gaps),
        },
        "planner_seconds": round(rota.seconds, 1),
        "simulation_seconds": round(simulation_seconds, 1),
    }
