"""Contact form saves under 50 concurrent psychologists: p50/p95 of the POST, on PostgreSQL.

    .venv/bin/python bench/contact_save.py [--psychologists 50] [--saves 10]

A real server (uvicorn, the production ASGI app and settings, four workers as in production) on a database
made for the run and analysed before measuring; 50 threads, each a psychologist logged in with the second factor, each
saving the records of its own ended calls through the same form the workspace posts. Every save
also updates the statistics' tallies in its transaction, which is what concurrency tests here.
Target: p95 ≤ 300 ms, every save stored and counted. Writes bench/results/contact_save.json.
"""

import argparse
import os
import random
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _support import (  # noqa: E402
    ROOT,
    Targets,
    analyse,
    conditions,
    fresh_postgres_database,
    percentiles,
    save,
    server_environment,
    setup_django,
)

TARGET_P95_MS = 300

CSRF = "b" * 32  # any 32 characters: Django compares the cookie with the header


def prepare(count: int, saves: int) -> list[dict]:
    """COUNT psychologists with verified sessions and SAVES ended calls each, on a clean slate."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from ecoute.accounts.models import Role, User
    from ecoute.contacts.models import (
        ContactRecord,
        ContactTally,
        EmploymentStatus,
        Profession,
        Reason,
        RiskLevel,
    )
    from tests.support.contacts import make_call

    ContactRecord.objects.all().delete()
    ContactTally.objects.all().delete()
    form = {
        "returning": "non",
        "language": "fr",
        "profession": Profession.objects.get(code="infirmier").pk,
        "employment": EmploymentStatus.objects.get(code="salarie").pk,
        "reasons": Reason.objects.get(code="epuisement").pk,
        "risk_level": RiskLevel.objects.get(code="faible").pk,
        "note": "Note du banc d'essai, chiffrée comme les autres.",
    }
    people = []
    for number in range(count):
        user, _ = User.objects.get_or_create(
            username=f"bench-psy-{number}", defaults={"role": Role.PSYCHOLOGIST}
        )
        device, _ = TOTPDevice.objects.get_or_create(user=user, name="bench", defaults={"confirmed": True})
        session = SessionStore()
        session.update(
            {
                SESSION_KEY: str(user.pk),
                BACKEND_SESSION_KEY: "django.contrib.auth.backends.ModelBackend",
                HASH_SESSION_KEY: user.get_session_auth_hash(),
                DEVICE_ID_SESSION_KEY: device.persistent_id,
            }
        )
        session.create()
        calls = [make_call(user, minutes=10 + i) for i in range(saves)]
        people.append(
            {"session": session.session_key, "calls": [str(call.pk) for call in calls], "form": form}
        )
    return people


def post(base: str, session: str, call_id: str, form: dict) -> tuple[float, int]:
    data = urllib.parse.urlencode({**form, "csrfmiddlewaretoken": CSRF}, doseq=True).encode()
    request = urllib.request.Request(
        f"{base}/espace/fiches/appel/{call_id}/",
        data=data,
        method="POST",
        headers={
            "Cookie": f"sessionid={session}; csrftoken={CSRF}",
            "X-CSRFToken": CSRF,
            "X-Ecoute-Partial": "1",
            "Referer": f"{base}/espace/",
            "Content-Type": "application/x-www-form-urlencoded",
        },
    )
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            response.read()
            status = response.status
    except urllib.error.HTTPError as error:
        status = error.code
    except OSError:
        status = 0  # no answer at all: counted as a failure
    return (time.perf_counter() - started) * 1000, status


def sessions_opened(url: str) -> int:
    """How many connections the run's database has accepted since it was made (PostgreSQL 14+)."""
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as connection:
        connection.execute("SELECT pg_stat_clear_snapshot()")
        row = connection.execute(
            "SELECT sessions FROM pg_stat_database WHERE datname = %s", [name]
        ).fetchone()
        return row[0]


class PeakConnections:
    """The most connections to the run's database seen at once, sampled every 0.1 s in a thread, and
    how many of the samples found a save waiting for another's row lock (the day's tallies)."""

    def __init__(self, url: str):
        self.url, self.highest, self.done = url, 0, threading.Event()
        self.samples = self.lock_waits = 0
        self.thread = threading.Thread(target=self.sample, daemon=True)
        self.thread.start()

    def sample(self):
        import psycopg

        name = self.url.rsplit("/", 1)[1]
        with psycopg.connect(self.url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as connection:
            while not self.done.wait(0.1):
                count, waiting = connection.execute(
                    "SELECT count(*), count(*) FILTER (WHERE wait_event_type = 'Lock') "
                    "FROM pg_stat_activity WHERE datname = %s",
                    [name],
                ).fetchone()
                self.highest = max(self.highest, count)
                self.samples += 1
                self.lock_waits += bool(waiting)

    def stop(self):
        self.done.set()
        self.thread.join()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--psychologists", type=int, default=50)
    parser.add_argument("--saves", type=int, default=10)
    # Server processes: four, as the production command in README.md (each process does its database
    # work on one thread, so one process queues every save behind the others). On this 2-core
    # machine the clients and PostgreSQL share the cores with them.
    parser.add_argument("--workers", type=int, default=4)
    # Seconds between two saves of one psychologist (uniform 0 to twice this): 50 people saving every few
    # seconds is far above the line's real rate (one record per psychologist per call). 0: back to back, a stress test.
    parser.add_argument("--think", type=float, default=3.0)
    # PostgreSQL connections pooled per server process (ECOUTE_DB_POOL_SIZE); 0: one per request's thread.
    parser.add_argument("--pool-size", type=int, default=int(os.environ.get("ECOUTE_DB_POOL_SIZE", "10")))
    args = parser.parse_args()
    url = fresh_postgres_database("ecoute_bench_contacts")
    setup_django(url)
    people = prepare(args.psychologists, args.saves)
    analyse()
    run_conditions = conditions(
        f"{args.workers} Uvicorn process(es), {args.psychologists} client threads, PostgreSQL"
    )

    from tests.support.live import free_port
    from tools.server_command import uvicorn_command

    port = free_port()
    env = {
        **os.environ,
        **server_environment(DATABASE_URL=url, ECOUTE_TIMERS="0", ECOUTE_DB_POOL_SIZE=str(args.pool_size)),
    }
    server = subprocess.Popen(uvicorn_command("127.0.0.1", port, workers=args.workers), cwd=ROOT, env=env)
    base = f"http://localhost:{port}"
    if os.environ.get("BENCH_PROFILE"):  # py-spy samples the server; collapsed stacks in artifacts/
        py_spy = str(Path(sys.executable).with_name("py-spy"))
        output = ROOT / "artifacts" / "profile-contact-save.txt"
        subprocess.Popen(
            [
                py_spy,
                "record",
                "--subprocesses",  # the four workers do the work, not the parent that started them
                "--nonblocking",
                "--format",
                "raw",
                "-r",
                "100",
                "-o",
                str(output),
                "-p",
                str(server.pid),
            ]
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{base}/hors-ligne/", timeout=1).read()
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError("the server did not start") from None
                time.sleep(0.2)
        samples, statuses, lock = [], [], threading.Lock()
        start = threading.Barrier(len(people))

        def psychologist(person):
            pause = random.Random(person["session"])
            start.wait()
            for call_id in person["calls"]:
                time.sleep(pause.uniform(0, 2 * args.think))
                elapsed, status = post(base, person["session"], call_id, person["form"])
                with lock:
                    samples.append(elapsed)
                    statuses.append(status)

        sessions_before = sessions_opened(url)
        peak = PeakConnections(url)
        began = time.monotonic()
        threads = [threading.Thread(target=psychologist, args=(person,)) for person in people]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=600)
        wall = time.monotonic() - began
        peak.stop()
        sessions = sessions_opened(url) - sessions_before
    finally:
        server.terminate()
        server.wait(10)

    from ecoute.contacts.models import ContactRecord, ContactTally

    stored = ContactRecord.objects.count()
    counted = sum(ContactTally.objects.filter(span="day", dimension="total").values_list("count", flat=True))
    result = {
        "benchmark": "contact_save",
        "backend": "postgres",
        "psychologists": len(people),
        "saves_each": args.saves,
        "server_workers": args.workers,
        "pool_size_per_process": args.pool_size,
        # What the load cannot change: PostgreSQL connections opened during the saves, and at most at once.
        "postgresql_sessions_opened": sessions,
        "postgresql_connections_peak": peak.highest,
        "share_of_samples_with_a_lock_wait": round(peak.lock_waits / max(peak.samples, 1), 3),
        "think_s": args.think,
        "post": percentiles(samples),
        "failures": sum(1 for status in statuses if status != 200),
        "statuses": {str(status): statuses.count(status) for status in sorted(set(statuses))},
        "records_stored": stored,
        "records_counted_in_statistics": counted,
        "saves_per_second": round(len(samples) / wall, 1),
        "conditions": run_conditions,
    }
    targets = Targets()
    targets.at_most("save p95", result["post"]["p95_ms"], TARGET_P95_MS)
    targets.enough_samples("save", result["post"]["n"], 0.95)
    targets.equal("failed saves", result["failures"], 0)
    targets.equal("records stored and counted", (stored, counted), (len(samples), len(samples)))
    path = save("contact_save", result, targets)
    print(
        f"{'psychologists':>13} {'saves':>6} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'failures':>9} {'saves/s':>8}"
    )
    print(
        f"{len(people):>13} {len(samples):>6} {result['post']['p50_ms']:>8} {result['post']['p95_ms']:>8} "
        f"{result['post']['max_ms']:>8} {result['failures']:>9} {result['saves_per_second']:>8}"
    )
    print(
        f"PostgreSQL: {sessions} connections opened, at most {peak.highest} at once (pool {args.pool_size}); "
        f"a save waiting for a lock in {peak.lock_waits} of {peak.samples} samples"
    )
    print(f"stored {stored}, counted in the statistics {counted}\n→ {path.relative_to(ROOT)}")
    print(targets.report())
    return 1 if targets.missed else 0


if __name__ == "__main__":
    sys.exit(main())
