"""Shared by the benchmarks: production settings, fresh databases, timing, targets, conditions, results.

Every benchmark measures what a user meets: the production settings (DJANGO_DEBUG off, a generated
secret, HTTPS left to the proxy in front, which a loopback run does not have), a database of its
own created for the run and analysed before measuring (dead rows and missing planner statistics
halved some figures between runs), and enough samples that a p95 or p99 is not one of the two
slowest. Each writes bench/results/<name>.json with its targets met or missed and the conditions
of the run (machine, load average, settings, processes); `make bench` fails naming every target missed.
"""

import atexit
import json
import os
import platform
import secrets
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
POSTGRES = os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")
# A tail is trusted when at least this many samples lie beyond it (p95 of 60, p99 of 300).
TAIL_SAMPLES = 3


def production_environment() -> dict:
    """The environment a production server needs, made for this run (nothing here is a real secret).

    TLS ends at the reverse proxy in production; on loopback there is none, so the HTTPS redirect and
    secure-only cookies are off (they would send every request of the benchmark to https://).
    """
    from cryptography.fernet import Fernet

    from ecoute.lib.sealing import new_key_pair

    return {
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "ECOUTE_NOTE_KEYS": Fernet.generate_key().decode(),
        "ECOUTE_AUTHOR_SEAL_PUBLIC_KEY": new_key_pair()[1],
        "DJANGO_ALLOWED_HOSTS": "localhost,127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DJANGO_SECURE_COOKIES": "0",
        "ECOUTE_AUTO_PURGE": "0",
        "ECOUTE_LOG_LEVEL": "WARNING",
        # Counters of its own in the cache: an earlier run's (or a test suite's) abuse counters for
        # the same loopback source, the same day, must not refuse this run's callers.
        "ECOUTE_CACHE_PREFIX": f"bench-{secrets.token_hex(4)}",
    }


def use_production_settings() -> None:
    """This process and every server it starts run with the production settings (never DEBUG)."""
    for name, value in production_environment().items():
        if name == "DJANGO_DEBUG":
            os.environ[name] = value  # a developer's DJANGO_DEBUG=1 must not leak into the figures
        else:
            os.environ.setdefault(name, value)


def server_environment(**extra: str) -> dict:
    """What a benchmark's server processes get: this process's production settings and database, and EXTRA."""
    names = [
        *production_environment(),
        "DATABASE_URL",
        "REDIS_URL",
        "ECOUTE_CHANNEL_PREFIX",
        "ECOUTE_CACHE_PREFIX",
    ]
    return {name: os.environ[name] for name in names if name in os.environ} | extra


def fresh_postgres_database(prefix: str) -> str:
    """postgres://…/PREFIX_xxxxxx, created empty for this run and dropped when it ends."""
    import psycopg

    name = f"{prefix}_{secrets.token_hex(3)}"
    with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    atexit.register(_drop_database, name)
    return f"{POSTGRES}/{name}"


def _drop_database(name: str) -> None:
    import psycopg

    if "django.db" in sys.modules:  # this process used it (a parent that ran children did not)
        sys.modules["django.db"].connections.close_all()
    with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def ensure_postgres_database(name: str) -> str:
    """postgres://…/NAME, created when missing: for the data that takes minutes to generate (statistics).
    The benchmark analyses it before measuring (analyse())."""
    import psycopg

    with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as connection:
        if not connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            connection.execute(f'CREATE DATABASE "{name}"')
    return f"{POSTGRES}/{name}"


def setup_django(database_url: str) -> None:
    sys.path.insert(0, str(ROOT))
    use_production_settings()
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ecoute.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    # Without DEBUG the servers serve only collected static files, as a deployment does.
    call_command("collectstatic", verbosity=0, interactive=False)


def analyse() -> None:
    """Dead rows out and planner statistics in, before measuring (as a production database has them)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")


def percentiles(samples_ms: list[float]) -> dict:
    ordered = sorted(samples_ms)
    pick = lambda q: ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]  # noqa: E731
    return {
        "n": len(ordered),
        "p50_ms": round(statistics.median(ordered), 1),
        "p95_ms": round(pick(0.95), 1),
        "p99_ms": round(pick(0.99), 1),
        "max_ms": round(ordered[-1], 1),
    }


def samples_for(quantile: float) -> int:
    """The fewest samples whose QUANTILE has TAIL_SAMPLES beyond it: 60 for p95, 300 for p99."""
    return round(TAIL_SAMPLES / (1 - quantile))


def timed(action) -> float:
    started = time.perf_counter()
    action()
    return (time.perf_counter() - started) * 1000


class Targets:
    """The targets of one benchmark, each met or missed, written with its results."""

    def __init__(self) -> None:
        self.rows: list[dict] = []

    def at_most(self, name: str, value, limit, unit: str = "ms") -> None:
        self._add(name, value, f"≤ {limit} {unit}", value is not None and value <= limit)

    def at_least(self, name: str, value, limit, unit: str = "") -> None:
        self._add(name, value, f"≥ {limit} {unit}".strip(), value is not None and value >= limit)

    def equal(self, name: str, value, expected) -> None:
        self._add(name, value, f"= {expected}", value == expected)

    def enough_samples(self, name: str, count: int, quantile: float) -> None:
        self.at_least(f"{name}: samples for p{round(quantile * 100)}", count, samples_for(quantile))

    def _add(self, name: str, value, target: str, met: bool) -> None:
        self.rows.append({"target": name, "value": value, "wanted": target, "met": bool(met)})

    @property
    def missed(self) -> list[dict]:
        return [row for row in self.rows if not row["met"]]

    def report(self) -> str:
        return "\n".join(
            f"  {'ok    ' if row['met'] else 'MISSED'} {row['target']}: {row['value']} (wanted {row['wanted']})"
            for row in self.rows
        )


def conditions(processes: str, **more) -> dict:
    """What a figure depends on: the machine, its load at the time, the settings, the processes."""
    from django.conf import settings
    from django.db import connection

    return {
        "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": f"{os.cpu_count()} cores, {_memory_gib()} GiB, {platform.machine()}",
        "load_average_1_5_15_min": Path("/proc/loadavg").read_text().split()[:3],
        "settings": "production (DEBUG off)" if not settings.DEBUG else "DEBUG ON",
        "database": connection.vendor,
        "channel_layer": settings.CHANNEL_LAYERS["default"]["BACKEND"].rsplit(".", 1)[-1],
        "processes": processes,
        **more,
    }


def _memory_gib() -> int:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            return round(int(line.split()[1]) / 1024 / 1024)
    return 0


def run_child(script: Path, backend: str, timeout: float, extra: tuple = ()) -> dict:
    """Run SCRIPT for one backend in its own process (Django configures one database per process)."""
    done = subprocess.run(
        [sys.executable, str(script), "--backend", backend, *extra],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
    )
    if done.returncode != 0:
        return {"backend": backend, "error": (done.stderr or done.stdout)[-2000:]}
    return json.loads(done.stdout.strip().splitlines()[-1])


def save(name: str, result: dict, targets: Targets | None = None) -> Path:
    """bench/results/NAME.json; with TARGETS, their rows and the list of those missed (read by run.py)."""
    if targets is not None:
        result = {**result, "targets": targets.rows, "missed": [row["target"] for row in targets.missed]}
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    return path
