"""Directory search over 50,000 entries on SQLite and PostgreSQL: p50 and p95 of one search, target p95 ≤ 100 ms.

Run standalone: DJANGO_DEBUG=1 .venv/bin/python bench/directory_search.py [--entries 50000] [--searches 400]
Each engine runs in a child process on a database of its own (a temporary SQLite file; on PostgreSQL
the database named by BENCH_DIRECTORY_POSTGRES_URL, default ecoute_directory_bench, created if
missing). PostgreSQL is skipped, and said so, when no server answers. Writes bench/results/directory_search.json.
"""

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "directory_search.json"
POSTGRES_URL = os.environ.get(
    "BENCH_DIRECTORY_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/ecoute_directory_bench"
)
TARGET_P95_MS = 100
TIME_LIMIT_S = 90  # searches stop after this, whatever their count, so a slow machine still finishes


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--entries", type=int, default=50000)
    parser.add_argument("--searches", type=int, default=400)
    parser.add_argument("--child", choices=["sqlite", "postgresql"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run_engine(args.entries, args.searches)))
        return 0
    results = []
    with tempfile.TemporaryDirectory() as folder:
        for engine, url in (("sqlite", f"sqlite:///{folder}/bench.sqlite3"), ("postgresql", POSTGRES_URL)):
            results.append(in_child(engine, url, args))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            {
                "benchmark": "directory_search",
                "entries": args.entries,
                "target_p95_ms": TARGET_P95_MS,
                "results": results,
            },
            indent=2,
            ensure_ascii=False,
        )
        + "\n"
    )
    print_table(results)
    return 0


def in_child(engine: str, url: str, args) -> dict:
    if engine == "postgresql" and not create_postgres_database(url):
        return {"engine": engine, "skipped": f"no PostgreSQL answers at {url.split('@')[-1]}"}
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_DEBUG": "1",
        "DJANGO_SETTINGS_MODULE": "ecoute.settings",
    }
    command = [
        sys.executable,
        __file__,
        "--child",
        engine,
        "--entries",
        str(args.entries),
        "--searches",
        str(args.searches),
    ]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    if done.returncode != 0:
        return {"engine": engine, "failed": done.stderr[-2000:]}
    return json.loads(done.stdout.strip().splitlines()[-1])


def create_postgres_database(url: str) -> bool:
    import psycopg

    name = url.rsplit("/", 1)[1]
    try:
        with psycopg.connect(
            url.rsplit("/", 1)[0] + "/postgres", autocommit=True, connect_timeout=3
        ) as connection:
            if not connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
                connection.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError:
        return False
    return True


# --- In the child: one engine --------------------------------------------------------------------


def run_engine(entries: int, searches: int) -> dict:
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    started = time.monotonic()
    prepare(entries)
    prepared_s = time.monotonic() - started
    timings, kinds = measure(searches)
    return {
        "engine": connection.vendor,
        "entries": entries,
        "searches": len(timings),
        "prepare_s": round(prepared_s, 1),
        "p50_ms": round(statistics.median(timings), 2),
        "p95_ms": round(percentile(timings, 95), 2),
        "max_ms": round(max(timings), 2),
        "by_way_of_locating": kinds,
    }


def prepare(count: int) -> None:
    """The whole official geography, then COUNT entries spread like the population, with themes and languages."""
    from django.core.management import call_command

    from ecoute.directory.demo import ensure_vocabulary
    from ecoute.directory.models import Commune, Entry, refresh_planner_statistics

    if Commune.objects.count() < 30000:
        call_command("load_geography", "--no-outlines", verbosity=0)
    ensure_vocabulary()
    if Entry.objects.filter(external_id__startswith="bench-").count() != count:
        load_entries(count)
    # As the CSV import does after writing: the planner learns the tables' sizes and spreads.
    refresh_planner_statistics()


def load_entries(count: int) -> None:
    from ecoute.accounts.models import Language
    from ecoute.directory.demo import PROFESSIONS
    from ecoute.directory.models import Commune, Entry, Profession, Theme

    Entry.objects.filter(external_id__startswith="bench-").delete()
    rng = random.Random(50)
    communes = list(Commune.objects.values_list("code", "latitude", "longitude", "population"))
    weights = [population + 50 for *_, population in communes]
    professions = dict(Profession.objects.values_list("slug", "pk"))
    kinds = (
        ["professional"] * 90
        + ["unit", "day_hospital", "service", "service", "university", "university"]
        + ["professional"] * 4
    )
    batch = []
    for number, (code, latitude, longitude, _) in enumerate(rng.choices(communes, weights=weights, k=count)):
        kind = rng.choice(kinds)
        batch.append(
            Entry(
                external_id=f"bench-{number}",
                kind=kind,
                name=f"Entrée {number}",
                commune_id=code,
                latitude=latitude + rng.uniform(-0.02, 0.02),
                longitude=longitude + rng.uniform(-0.02, 0.02),
                profession_id=professions[rng.choice(PROFESSIONS[:6])[0]] if kind == "professional" else None,
                service_type="legal" if kind == "service" else "",
                unit_status="open" if kind == "unit" else "",
                teleconsultation=rng.random() < 0.4,
                accepting_new_patients=rng.random() < 0.8,
                last_verified="2026-01-01",
            )
        )
    Entry.objects.bulk_create(batch, batch_size=2000)
    ids = list(Entry.objects.filter(external_id__startswith="bench-").values_list("pk", flat=True))
    themes = list(Theme.objects.values_list("pk", flat=True))
    languages = list(Language.objects.exclude(code="fr").values_list("pk", flat=True))
    Entry.themes.through.objects.bulk_create(
        [Entry.themes.through(entry_id=pk, theme_id=theme) for pk in ids for theme in rng.sample(themes, 3)],
        batch_size=5000,
    )
    Entry.languages.through.objects.bulk_create(
        [
            Entry.languages.through(entry_id=pk, language_id=rng.choice(languages))
            for pk in ids
            if rng.random() < 0.3
        ],
        batch_size=5000,
    )


def measure(searches: int) -> tuple[list[float], dict]:
    """Time locate + search, as a request does, for a mix of places and filters."""
    from ecoute.directory.models import Commune, Departement, PostalCode, Region, Theme
    from ecoute.directory.search import Criteria, locate, locate_coordinates, search

    rng = random.Random(95)
    postal_codes = list(PostalCode.objects.values_list("code", flat=True).distinct()[:3000])
    commune_names = list(Commune.objects.order_by("-population").values_list("name", flat=True)[:2000])
    departements = list(Departement.objects.values_list("code", flat=True))
    regions = list(Region.objects.values_list("name", flat=True))
    themes = list(Theme.objects.values_list("slug", flat=True))
    ways = {
        "postal_code": lambda: locate(rng.choice(postal_codes)),
        "commune": lambda: locate(rng.choice(commune_names)),
        "departement": lambda: locate(rng.choice(departements)),
        "region": lambda: locate(rng.choice(regions)),
        "coordinates": lambda: locate_coordinates(rng.uniform(43.3, 50.5), rng.uniform(-1.5, 7.5)),
    }
    timings, by_way = [], {way: [] for way in ways}
    deadline = time.monotonic() + TIME_LIMIT_S
    for number in range(searches):
        if time.monotonic() > deadline:
            break
        way = list(ways)[number % len(ways)]
        filters = rng.choice(
            [
                {},
                {"theme": rng.choice(themes)},
                {"kind": "professional", "teleconsultation": True},
                {"theme": rng.choice(themes), "accepting": True, "kind": "professional"},
            ]
        )
        started = time.perf_counter()
        search(Criteria(place=ways[way](), radius_km=rng.choice([10, 25, 50, 100]), **filters))
        elapsed = (time.perf_counter() - started) * 1000
        timings.append(elapsed)
        by_way[way].append(elapsed)
    return timings, {
        way: {"p50_ms": round(statistics.median(t), 2), "p95_ms": round(percentile(t, 95), 2)}
        for way, t in by_way.items()
        if t
    }


def percentile(values: list[float], rank: int) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(rank / 100 * (len(ordered) - 1)))]


def print_table(results: list[dict]) -> None:
    print(f"\nDirectory search ({results[0].get('entries', '?')} entries), target p95 ≤ {TARGET_P95_MS} ms")
    print(f"{'engine':<12}{'searches':>10}{'p50 ms':>10}{'p95 ms':>10}{'max ms':>10}  verdict")
    for row in results:
        if "p95_ms" not in row:
            print(f"{row['engine']:<12}  {row.get('skipped') or 'FAILED: ' + row.get('failed', '')[-300:]}")
            continue
        verdict = "ok" if row["p95_ms"] <= TARGET_P95_MS else "TOO SLOW"
        print(
            f"{row['engine']:<12}{row['searches']:>10}{row['p50_ms']:>10}{row['p95_ms']:>10}{row['max_ms']:>10}  {verdict}"
        )
        for way, figures in row["by_way_of_locating"].items():
            print(f"  {way:<14}{'':>6}{figures['p50_ms']:>10}{figures['p95_ms']:>10}")


if __name__ == "__main__":
    sys.exit(main())
