"""tools/size_trunk.py: the trunk's size for the line's forecast, by Erlang B (docs/telephony.md)."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def size_trunk(*arguments: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "tools/size_trunk.py", *arguments],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_forecast_table_gives_the_channels_and_agents_for_one_percent_refused():
    done = size_trunk()
    assert done.returncode == 0, done.stderr
    # 4,000 calls a month: 8.5 calls in the busiest hour (6.5 %) x 25 min = 3.6 E -> 9 channels, 3 agents.
    assert "| forecast, 4,000 calls a month | 132 | 8.5 | 25 min | 3.6 E | 9 | 11 | 3 |" in done.stdout


def test_a_case_asked_for_is_sized_and_a_wrong_one_refused_clearly():
    asked = size_trunk("--calls-per-day", "740", "--hold-minutes", "25")  # 48 calls an hour: 20 E
    assert "| asked | 740 | 48.1 | 25 min | 20.0 E | 30 |" in asked.stdout
    refused = size_trunk("--calls-per-day", "-3")
    assert refused.returncode == 2 and "calls a day must be 0 or more" in refused.stderr
