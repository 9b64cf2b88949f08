"""manage.py simulate --scenario crisis-peak --days 7: the real router in simulated time, beside Erlang C and A."""

import json
import logging
import time

from django.core.management.base import BaseCommand

from ecoute.calls.simulator.simulation import SCENARIOS, simulate


class Command(BaseCommand):
    help = "Simulate the line (real router and actions, simulated time) and compare with Erlang C / Erlang A."

    def add_arguments(self, parser):
        parser.add_argument("--scenario", choices=sorted(SCENARIOS), default="typical-day")
        parser.add_argument("--days", type=float, default=1.0)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--json", action="store_true", help="print the figures as JSON")

    def handle(self, *args, scenario, days, seed, json: bool, **options):
        started = time.monotonic()
        logging.getLogger("ecoute.calls.actions").setLevel(
            logging.WARNING
        )  # thousands of simulated transitions
        figures = simulate(scenario, days, seed)
        figures["wall_seconds"] = round(time.monotonic() - started, 1)
        if json:
            self.stdout.write(_json(figures))
            return
        self.stdout.write(table(figures))


def _json(figures: dict) -> str:
    return json.dumps(figures, ensure_ascii=False, indent=2)


def table(f: dict) -> str:
    model_c, model_a = f["model"]["erlang_c"], f["model"]["erlang_a"]
    rows = [
        ("", "simulated", "Erlang C", "Erlang A"),
        ("answer rate %", f["answer_rate"], model_c["answer_rate"], model_a["answer_rate"]),
        ("answered within 20 s %", f["service_level"], "", ""),
        ("rang within 20 s %", f["offered_within"], model_c["service_level"], model_a["service_level"]),
        ("average speed of answer s", f["average_speed"], model_c["average_speed"], model_a["average_speed"]),
        ("p95 speed of answer s", f["p95_speed"], "", ""),
        ("abandonment %", f["abandonment"], 0.0, round(100 - model_a["answer_rate"], 2)),
    ]
    occupancy = [value for value in f["occupancy"].values() if value is not None]
    lines = [
        f"Scenario {f['scenario']}: {f['days']:g} day(s), {f['offered']} calls, {f['answered']} answered, "
        f"{f['abandoned']} abandoned; simulated in {f.get('wall_seconds', '?')} s",
        f"Staffing by hour: {f['model']['staffing']} (handle time {f['model']['handle_seconds']} s)",
    ]
    lines += [f"{label:<28}{str(a):>11}{str(b):>11}{str(c):>11}" for label, a, b, c in rows]
    if occupancy:
        lines.append(
            f"Occupancy per listener (talk / time on duty): min {min(occupancy)} %, max {max(occupancy)} %, "
            f"mean {round(sum(occupancy) / len(occupancy), 1)} %"
        )
    for channel, figures in f.get("by_channel", {}).items():
        if figures["offered"]:
            lines.append(
                f"By {channel}: {figures['offered']} calls, {figures['answered']} answered, "
                f"{figures['abandoned']} abandoned, answer rate {figures['answer_rate']} %, "
                f"p95 speed of answer {figures['p95_speed']} s"
            )
    return "\n".join(lines)
