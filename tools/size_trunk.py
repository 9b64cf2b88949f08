"""How many trunk channels the numéro vert needs (docs/telephony.md, "Sizing the trunk"): Erlang B.

    .venv/bin/python tools/size_trunk.py [--calls-per-day 132] [--hold-minutes 25]

The busiest hour carries the largest share of a day's calls in the simulator's day profile; a trunk
channel is held from the answer to the hang-up (the menu, the wait, the talk); Erlang B gives the
fewest channels that refuse at most the blocking asked, and the media agents they need (4 calls each).
Without arguments, prints the table of docs/telephony.md.
"""

import argparse
import math
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

CALLS_PER_AGENT = 4  # the pjsua2 wheel's limit (docs/telephony.md)
# (case, calls a day, minutes a call holds a channel)
CASES = [
    ("forecast, 3,000 calls a month", 3000 * 12 / 365, 25),
    ("forecast, 4,000 calls a month", 4000 * 12 / 365, 25),
    ("the simulator's crisis peak", 200, 18),
    ("twice the crisis peak", 400, 18),
]


def busiest_hour_share() -> float:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ecoute.settings")
    import django

    django.setup()
    from ecoute.calls.simulator.simulation import DAY_PROFILE

    return max(DAY_PROFILE) / sum(DAY_PROFILE)


def row(case: str, calls_per_day: float, hold_minutes: float, share: float) -> str:
    from ecoute.calls.simulator.erlang import channels_for, traffic_erlangs

    calls = calls_per_day * share
    traffic = traffic_erlangs(calls, hold_minutes * 60)
    one, tenth = channels_for(traffic, 0.01), channels_for(traffic, 0.001)
    return (
        f"| {case} | {calls_per_day:.0f} | {calls:.1f} | {hold_minutes:g} min | {traffic:.1f} E "
        f"| {one} | {tenth} | {math.ceil(one / CALLS_PER_AGENT)} |"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls-per-day", type=float)
    parser.add_argument("--hold-minutes", type=float, default=25)
    args = parser.parse_args()
    if args.calls_per_day is not None and (args.calls_per_day < 0 or args.hold_minutes <= 0):
        parser.error("calls a day must be 0 or more, and a call must hold its channel for some time")
    share = busiest_hour_share()
    print(f"busiest hour: {100 * share:.1f} % of a day's calls")
    print(
        "| case | calls a day | busiest hour's calls | channel held | traffic "
        "| channels, < 1 % refused | < 0.1 % | agent processes (< 1 %) |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    cases = CASES if args.calls_per_day is None else [("asked", args.calls_per_day, args.hold_minutes)]
    for case in cases:
        print(row(*case, share))
    return 0


if __name__ == "__main__":
    sys.exit(main())
