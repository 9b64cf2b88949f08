"""The planner on a month for 100 psychologists: how close to the best possible rota it gets.

The month of ecoute/rota/sample_month.py (4 weeks by half-hour, 88 psychologists and 12 supervisors
with their weekly windows, English hours) planned by CP-SAT (ecoute/rota/planner.py). The gap is how
far the rota found is from the solver's best bound (no rota can do better than the bound). Two
searches, as the issue allows either figure: one stopped at 60 s (the longest the planning page
waits), its gap; one stopped as soon as its rota is within 1 % of its bound, the time it took (at
most 180 s, else the gap it reached). Every hard rule of the rota is checked again here from the
shifts alone (ecoute/rota/checks.py, the tests' checker).

    .venv/bin/python bench/rota_planner.py      (JSON in bench/results/rota_planner.json)

Issue 14 asks for a figure, not a threshold: "time to a rota within 1 % of the best bound, or the gap
reached in 60 s"; both are reported. The targets are the rota's own: no hard rule broken, and a month
planned within the minute the planning page waits.
"""

import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench._support import Targets, conditions, save, setup_django  # noqa: E402

SECONDS = 60
# The second search: stopped at 1 % of its bound, or after this long.
GAP_LIMIT, LONGEST = 0.01, 180


def search(horizon, people, rules, seconds: float, gap_limit: float | None = None) -> dict:
    """One search and what it found: its gap to the bound, its wall time, the rules broken."""
    from ecoute.rota.checks import violations
    from ecoute.rota.planner import plan

    started = time.monotonic()
    rota = plan(horizon, people, rules, seconds=seconds, gap_limit=gap_limit)
    wall = round(time.monotonic() - started, 1)
    objective, bound = rota.stats.get("objective"), rota.stats.get("bound")
    needed = sum(horizon.listeners) + sum(horizon.supervisors)
    uncovered = sum(g.listeners + g.supervisors for g in rota.gaps)
    broken = violations(horizon, people, rota.shifts, rules)
    return {
        "status": rota.status,
        "wall_seconds": wall,
        "candidate_shifts": rota.stats.get("candidates"),
        "objective": objective,
        "best_bound": bound,
        "gap_percent": round(100 * (objective - bound) / objective, 2) if objective else None,
        "half_hours_needed": needed,
        "half_hours_uncovered": uncovered,
        "uncovered_percent": round(100 * uncovered / needed, 2),
        "planned_half_hours": sum(s.end - s.start for s in rota.shifts),
        "hard_rules_broken": broken[:20],
    }


def main() -> int:
    os.environ.setdefault("ECOUTE_LOG_LEVEL", "WARNING")
    setup_django(f"sqlite:///{tempfile.gettempdir()}/ecoute-bench-rota.sqlite3")
    run_conditions = conditions("this one process (CP-SAT on 2 workers), no database")
    from ecoute.rota.sample_month import RULES, month, team

    horizon = month()
    people = team(horizon)
    in_60_s = search(horizon, people, RULES, SECONDS)
    to_1_percent = search(horizon, people, RULES, LONGEST, gap_limit=GAP_LIMIT)
    reached = to_1_percent["gap_percent"] is not None and to_1_percent["gap_percent"] <= 100 * GAP_LIMIT
    result = {
        **in_60_s,
        "time_to_1_percent_seconds": to_1_percent["wall_seconds"] if reached else None,
        "to_1_percent": to_1_percent,
        "conditions": run_conditions,
    }
    targets = Targets()
    broken = len(in_60_s["hard_rules_broken"]) + len(to_1_percent["hard_rules_broken"])
    targets.at_most("hard rules broken", broken, 0, "")
    gap = in_60_s["gap_percent"]
    targets.at_most("a month planned", in_60_s["wall_seconds"], SECONDS + 15, "s")  # plus building the model
    save("rota_planner", result, targets)
    print(
        f"{in_60_s['status']} in {in_60_s['wall_seconds']} s: gap to the best bound {gap} %, "
        f"{in_60_s['uncovered_percent']} % of the half-hours' needs uncovered; within 1 %: "
        + (
            f"after {to_1_percent['wall_seconds']} s"
            if reached
            else f"not in {LONGEST} s ({to_1_percent['gap_percent']} %)"
        )
    )
    print(targets.report())
    return 1 if targets.missed else 0


if __name__ == "__main__":
    sys.exit(main())
