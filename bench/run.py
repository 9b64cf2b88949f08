"""`make bench`: every benchmark of the project, one after the other, each bounded in time.

Each script writes its figures to bench/results/<name>.json and prints its own table; the latest
figures are copied by hand into docs/performance.md beside the targets.
"""

import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
# (script, time limit in seconds): the line first, as in the issues' order.
SCRIPTS = [
    ("line_latency.py", 600),
    ("abuse_limits.py", 600),
    ("board_fanout.py", 1200),
    ("router_load.py", 600),
    ("simulator_vs_erlang.py", 600),
    ("stats_dashboard.py", 1800),
    ("contact_save.py", 600),
    ("directory_search.py", 1200),
    ("phone_line.py", 600),
]


def main() -> int:
    failures = []
    for script, limit in SCRIPTS:
        path = BENCH / script
        if not path.exists():
            continue
        print(f"\n=== {script} (at most {limit // 60} min) ===", flush=True)
        started = time.monotonic()
        try:
            done = subprocess.run([sys.executable, str(path)], cwd=BENCH.parent, timeout=limit)
            if done.returncode != 0:
                failures.append(script)
        except subprocess.TimeoutExpired:
            print(f"{script} stopped after {limit} s")
            failures.append(script)
        print(f"--- {script}: {time.monotonic() - started:.0f} s", flush=True)
    if failures:
        print(f"\nThese benchmarks did not finish: {', '.join(failures)}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
