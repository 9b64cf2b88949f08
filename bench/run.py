"""`make bench`: every benchmark of the project, one after the other, each bounded in time.

All run with the production settings (bench/_support.py): one generated secret and note key for
the whole run, DEBUG off, the static files collected as a deployment does. Each script writes its
figures, its targets and the conditions of the run to bench/results/<name>.json and prints its own
table; the exit status is non-zero when a benchmark failed or a target was missed, and the end of
the output names each one. The figures are copied by hand into docs/performance.md.
"""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _support import RESULTS, use_production_settings  # noqa: E402

BENCH = Path(__file__).resolve().parent
# (script, results file, time limit in seconds): the line first, as in the issues' order.
SCRIPTS = [
    ("line_latency.py", "line_latency", 600),
    ("abuse_limits.py", "abuse_limits", 600),
    ("router_load.py", "router_load", 600),
    ("board_fanout.py", "board_fanout", 1200),
    ("simulator_vs_erlang.py", "simulator_vs_erlang", 600),
    ("rota_planner.py", "rota_planner", 300),
    ("rota_proof.py", "rota_proof", 600),
    ("stats_dashboard.py", "stats_dashboard", 1800),
    ("contact_save.py", "contact_save", 600),
    ("directory_search.py", "directory_search", 1200),
    ("programme_registrations.py", "programme_registrations", 300),
    ("phone_line.py", "phone_line", 600),
    ("phone_bridge.py", "phone_bridge", 1500),
]


def main(only: list[str]) -> int:
    use_production_settings()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ecoute.settings")
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=BENCH.parent, check=True
    )
    problems = []
    for script, name, limit in SCRIPTS:
        if only and name not in only:
            continue
        problems += run_one(script, name, limit)
    if problems:
        print("\nmake bench: FAILED")
        for problem in problems:
            print(f"  - {problem}")
        return 1
    print("\nmake bench: every benchmark finished and met its targets")
    return 0


def run_one(script: str, name: str, limit: int) -> list[str]:
    """Run SCRIPT; the problems it had: not finished, failed, or each target it missed."""
    print(f"\n=== {script} (at most {limit // 60} min) ===", flush=True)
    results = RESULTS / f"{name}.json"
    results.unlink(missing_ok=True)  # a figure of an earlier run must never pass for this one's
    started = time.monotonic()
    try:
        done = subprocess.run([sys.executable, str(BENCH / script)], cwd=BENCH.parent, timeout=limit)
    except subprocess.TimeoutExpired:
        return [f"{script}: stopped after {limit} s"]
    finally:
        print(f"--- {script}: {time.monotonic() - started:.0f} s", flush=True)
    problems = []
    missed = json.loads(results.read_text()).get("missed", []) if results.exists() else []
    problems += [f"{script}: target missed: {target}" for target in missed]
    if not results.exists():
        problems.append(f"{script}: wrote no results")
    elif done.returncode != 0 and not missed:
        problems.append(f"{script}: failed (exit status {done.returncode})")
    return problems


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
