"""The simulator beside the queueing models: "crisis peak" staffed as Erlang C recommends for 95 % in 20 s.

Runs manage.py simulate's engine (the real router and actions, simulated time) for a week on a
SQLite database of its own, and compares the simulated answer rate with Erlang A's prediction
for the same load, staffing and patience (target: within 2 points), beside Erlang C.

    .venv/bin/python bench/simulator_vs_erlang.py      (JSON in bench/results/simulator_vs_erlang.json)
"""

import logging
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _support import Targets, conditions, save, setup_django  # noqa: E402

DAYS = 7


def main() -> int:
    os.environ.setdefault("ECOUTE_LOG_LEVEL", "WARNING")
    setup_django(f"sqlite:///{tempfile.gettempdir()}/ecoute-bench-simulator.sqlite3")
    run_conditions = conditions("this one process (the simulator's own in-memory SQLite)")
    logging.getLogger("ecoute.calls.actions").setLevel(logging.WARNING)
    from ecoute.calls.management.commands.simulate import table
    from ecoute.calls.simulator.simulation import simulate

    started = time.monotonic()
    figures = simulate("crisis-peak", days=DAYS, seed=2026)
    figures["wall_seconds"] = round(time.monotonic() - started, 1)
    gap = round(abs(figures["answer_rate"] - figures["model"]["erlang_a"]["answer_rate"]), 2)
    result = {**figures, "answer_rate_gap_points": gap, "conditions": run_conditions}
    targets = Targets()
    targets.at_most("answer rate, simulated vs Erlang A", gap, 2, "points")
    targets.at_most("a week simulated", figures["wall_seconds"], 60, "s")
    save("simulator_vs_erlang", result, targets)
    print(table(figures))
    print(
        f"Answer rate, simulated vs Erlang A: {gap} points apart (target ≤ 2); a week simulated in {figures['wall_seconds']} s (target < 60)"
    )
    print(targets.report())
    return 1 if targets.missed else 0


if __name__ == "__main__":
    sys.exit(main())
