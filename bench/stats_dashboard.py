"""Statistics dashboard and API over 1,000,000 contact records: p50/p95 page time, PostgreSQL and SQLite.

    .venv/bin/python bench/stats_dashboard.py [--records N] [--backend postgres|sqlite]

The records (five years, in the seeds' proportions) are generated once per database and kept:
PostgreSQL database ecoute_bench_stats, SQLite file artifacts/bench-stats.sqlite3 (generating them
takes many minutes: the one benchmark that reuses its database), analysed before measuring. Requests go
through Django's full stack in-process (middleware, session, second factor, templates), as a
logged-in statistics user. Target: p95 ≤ 300 ms. Writes bench/results/stats_dashboard.json.
"""

import argparse
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _support import (  # noqa: E402
    ROOT,
    Targets,
    analyse,
    conditions,
    ensure_postgres_database,
    percentiles,
    run_child,
    save,
    setup_django,
    timed,
)

TARGET_P95_MS = 300
REPEATS = int(os.environ.get("BENCH_STATS_REPEATS", "60"))  # p95 of 60: three samples beyond it


def database_url(backend: str) -> str:
    if backend == "postgres":
        return ensure_postgres_database("ecoute_bench_stats")
    (ROOT / "artifacts").mkdir(exist_ok=True)
    return f"sqlite:///{ROOT / 'artifacts' / 'bench-stats.sqlite3'}"


def ensure_records(count: int) -> float:
    """Generate COUNT records unless the database already holds them; returns the seconds spent."""
    from ecoute.contacts.generate import generate
    from ecoute.contacts.models import ContactRecord, ContactTally

    if ContactRecord.objects.count() == count and ContactTally.objects.exists():
        return 0.0
    started = time.monotonic()
    ContactRecord.reasons.through.objects.all().delete()
    ContactRecord.orientations.through.objects.all().delete()
    ContactRecord.objects.all().delete()
    generate(count, days=5 * 365, batch=10000)
    return time.monotonic() - started


def statistician_client():
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from ecoute.accounts.models import Role, User

    user, _ = User.objects.get_or_create(username="bench-stats", defaults={"role": Role.STATISTICIAN})
    device, _ = TOTPDevice.objects.get_or_create(user=user, name="bench", defaults={"confirmed": True})
    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def measure(backend: str, count: int) -> dict:
    setup_django(database_url(backend))
    from django.db import reset_queries
    from django.utils import timezone

    generated_in = ensure_records(count)
    client = statistician_client()
    analyse()
    run_conditions = conditions("this one process (Django's test client, in-process)")
    today = timezone.localdate()
    since_opening = f"du={today.replace(year=today.year - 5).isoformat()}&au={today.isoformat()}"
    pages = {
        "dashboard, last 12 months": "/statistiques/",
        "dashboard, 5 years by week": f"/statistiques/?{since_opening}&pas=semaine",
        "API report, last 12 months": "/api/stats/report",
        "API report, 5 years": f"/api/stats/report?{since_opening}",
        "public page": "/chiffres/",
        "export XLSX, 5 years": f"/statistiques/export.xlsx?{since_opening}",
    }
    results = {}
    for name, url in pages.items():
        for _ in range(3):  # warm-up: connections, template cache
            assert client.get(url).status_code == 200, url
        samples = []
        for _ in range(REPEATS):
            samples.append(timed(lambda: client.get(url)))
            reset_queries()
        results[name] = percentiles(samples)
    return {
        "backend": backend,
        "records": count,
        "generated_in_s": round(generated_in, 1),
        "pages": results,
        "conditions": run_conditions,
    }


def table(runs: list[dict]) -> str:
    lines = [
        f"{'backend':<10} {'page':<30} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}  target p95 ≤ {TARGET_P95_MS} ms"
    ]
    for run in runs:
        if "error" in run:
            lines.append(f"{run['backend']:<10} ERROR {run['error'][-300:]}")
            continue
        for page, figures in run["pages"].items():
            mark = "ok" if figures["p95_ms"] <= TARGET_P95_MS else "OVER"
            lines.append(
                f"{run['backend']:<10} {page:<30} {figures['p50_ms']:>8} {figures['p95_ms']:>8} {figures['max_ms']:>8}  {mark}"
            )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=int(os.environ.get("BENCH_STATS_RECORDS", "1000000")))
    parser.add_argument(
        "--backend", choices=["postgres", "sqlite"], help="one backend, in this process (used internally)"
    )
    args = parser.parse_args()
    if args.backend:
        print(json.dumps(measure(args.backend, args.records)))
        return 0
    runs = [
        run_child(Path(__file__), backend, 3000, ("--records", str(args.records)))
        for backend in ("postgres", "sqlite")
    ]
    result = {
        "benchmark": "stats_dashboard",
        "target_p95_ms": TARGET_P95_MS,
        "repeats": REPEATS,
        "runs": runs,
        "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    targets = Targets()
    for run in runs:
        targets.equal(f"{run['backend']}: ran", "error" not in run, True)
        for page, figures in run.get("pages", {}).items():
            targets.at_most(f"{run['backend']}: {page} p95", figures["p95_ms"], TARGET_P95_MS)
            targets.enough_samples(f"{run['backend']}: {page}", figures["n"], 0.95)
    path = save("stats_dashboard", result, targets)
    print(table(runs))
    print(f"\n→ {path.relative_to(ROOT)}")
    print(targets.report())
    return 1 if targets.missed else 0


if __name__ == "__main__":
    sys.exit(main())
