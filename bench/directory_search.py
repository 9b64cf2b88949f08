"""The orientation page a visitor gets, over 50,000 entries, on SQLite and PostgreSQL: target p95 ≤ 100 ms.

Run standalone: .venv/bin/python bench/directory_search.py [--entries 50000] [--searches 400]
Each engine runs in a child process on a database of its own, made for the run (a temporary SQLite
file; a fresh PostgreSQL database), loaded, then analysed. A real server (Uvicorn, the production
ASGI app and settings) serves /orientation/?q=… to one client on loopback: each sample is the whole
page (form, search, rendered results) from the request leaving to its last byte. The search function
alone is timed too, for comparison. Writes bench/results/directory_search.json; exits non-zero when
a target is missed.
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
sys.path.insert(0, str(ROOT))
from bench._support import (  # noqa: E402
    Targets,
    analyse,
    conditions,
    fresh_postgres_database,
    save,
    server_environment,
    use_production_settings,
)

TARGET_P95_MS = 100
TIME_LIMIT_S = 90  # searches stop after this, whatever their count, so a slow machine still finishes


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--entries", type=int, default=50000)
    parser.add_argument("--searches", type=int, default=400)
    parser.add_argument("--child", choices=["sqlite", "postgresql"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    use_production_settings()
    if args.child:
        print(json.dumps(run_engine(args.entries, args.searches)))
        return 0
    results = []
    with tempfile.TemporaryDirectory() as folder:
        for engine, url in (
            ("sqlite", f"sqlite:///{folder}/bench.sqlite3"),
            ("postgresql", fresh_postgres_database("ecoute_bench_directory")),
        ):
            results.append(in_child(engine, url, args))
    targets = Targets()
    for row in results:
        page = row.get("page", {})
        targets.at_most(f"{row['engine']}: orientation page p95", page.get("p95_ms"), TARGET_P95_MS)
        targets.enough_samples(f"{row['engine']}: orientation page", page.get("n", 0), 0.95)
    result = {"benchmark": "directory_search", "entries": args.entries, "results": results}
    save("directory_search", result, targets)
    print_table(results)
    print(targets.report())
    return 1 if targets.missed else 0


def in_child(engine: str, url: str, args) -> dict:
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "ecoute.settings"}
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
    analyse()
    prepared_s = time.monotonic() - started
    timings, kinds = measure(searches)
    page_timings, page_kinds = measure_page(searches)
    return {
        "engine": connection.vendor,
        "entries": entries,
        "conditions": conditions("1 Uvicorn process, 1 client (sequential requests), the database"),
        "prepare_s": round(prepared_s, 1),
        "page": _figures(page_timings) | {"by_way_of_locating": page_kinds},
        "search_function": _figures(timings) | {"by_way_of_locating": kinds},
    }


def _figures(timings: list[float]) -> dict:
    return {
        "n": len(timings),
        "p50_ms": round(statistics.median(timings), 2),
        "p95_ms": round(percentile(timings, 95), 2),
        "max_ms": round(max(timings), 2),
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


def measure_page(searches: int) -> tuple[list[float], dict]:
    """Time the whole page a visitor asks for, from a real server, for the same mix of places and filters."""
    import urllib.parse
    import urllib.request

    from django.db import connection

    from tests.support.live import LiveServer

    url = (
        f"sqlite:///{connection.settings_dict['NAME']}"
        if connection.vendor == "sqlite"
        else os.environ["DATABASE_URL"]
    )
    server = LiveServer(
        server_environment(DATABASE_URL=url, ECOUTE_TIMERS="0"), name="bench-directory"
    ).start()
    timings, by_way = [], {}
    try:
        for number, (way, query) in enumerate(page_queries(searches)):
            address = f"{server.url}/orientation/?{urllib.parse.urlencode(query)}"
            started = time.perf_counter()
            with urllib.request.urlopen(address, timeout=30) as response:
                body = response.read()
            elapsed = (time.perf_counter() - started) * 1000
            assert response.status == 200 and b"<form" in body, (address, response.status)
            if number >= 5:  # the first few warm the server's caches up, as any visitor after a restart would
                timings.append(elapsed)
                by_way.setdefault(way, []).append(elapsed)
    finally:
        server.stop()
    return timings, {
        way: {"p50_ms": round(statistics.median(t), 2), "p95_ms": round(percentile(t, 95), 2)}
        for way, t in by_way.items()
    }


def page_queries(searches: int):
    """(way of locating, query string) of SEARCHES pages, the same mix as measure()'s searches."""
    from ecoute.directory.models import Commune, Departement, PostalCode, Region, Theme

    rng = random.Random(95)
    postal_codes = list(PostalCode.objects.values_list("code", flat=True).distinct()[:3000])
    commune_names = list(Commune.objects.order_by("-population").values_list("name", flat=True)[:2000])
    departements = list(Departement.objects.values_list("code", flat=True))
    regions = list(Region.objects.values_list("name", flat=True))
    themes = list(Theme.objects.values_list("slug", flat=True))
    ways = {
        "postal_code": lambda: {"q": rng.choice(postal_codes)},
        "commune": lambda: {"q": rng.choice(commune_names)},
        "departement": lambda: {"q": rng.choice(departements)},
        "region": lambda: {"q": rng.choice(regions)},
        "coordinates": lambda: {
            "lat": round(rng.uniform(43.3, 50.5), 4),
            "lon": round(rng.uniform(-1.5, 7.5), 4),
        },
    }
    for number in range(searches + 5):
        way = list(ways)[number % len(ways)]
        filters = rng.choice(
            [
                {},
                {"theme": rng.choice(themes)},
                {"kind": "professional", "teleconsultation": "1"},
                {"theme": rng.choice(themes), "accepting": "1", "kind": "professional"},
            ]
        )
        yield way, {**ways[way](), "radius": rng.choice([10, 25, 50, 100]), **filters}


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
    print(
        f"\nThe orientation page ({results[0].get('entries', '?')} entries), target p95 ≤ {TARGET_P95_MS} ms"
    )
    print(f"{'engine':<12}{'measure':<18}{'n':>6}{'p50 ms':>10}{'p95 ms':>10}{'max ms':>10}")
    for row in results:
        if "page" not in row:
            print(f"{row['engine']:<12}  {row.get('skipped') or 'FAILED: ' + row.get('failed', '')[-300:]}")
            continue
        for measure_name in ("page", "search_function"):
            figures = row[measure_name]
            print(
                f"{row['engine']:<12}{measure_name:<18}{figures['n']:>6}{figures['p50_ms']:>10}{figures['p95_ms']:>10}{figures['max_ms']:>10}"
            )
            for way, by_way in figures["by_way_of_locating"].items():
                print(f"  {way:<28}{'':>6}{by_way['p50_ms']:>10}{by_way['p95_ms']:>10}")
        print(f"  conditions: {row['conditions']}")


if __name__ == "__main__":
    sys.exit(main())
