"""1,000 people registering within one second for one 100-place eJADES (announced by e-mail).

Run standalone: DJANGO_DEBUG=1 .venv/bin/python bench/programme_registrations.py [--people 1000] [--workers 2]
A real server (Uvicorn, the project's command line) on a PostgreSQL database of its own
(ecoute_programme_bench, created if missing); each person GETs nothing and POSTs the registration form
once, the posts spread evenly over one second (an asyncio client: nobody waits for a free thread). Measured: the response time of
each post (p50, p95, max), how long the last one took to finish, and the places held afterwards:
never more than the event's limit (capacity + overbooking). Writes bench/results/programme_registrations.json.
"""

import argparse
import asyncio
import os
import re
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from datetime import timedelta
from http.cookiejar import CookieJar
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench._support import ROOT, ensure_postgres_database, percentiles, save, setup_django  # noqa: E402
from tools.server_command import uvicorn_command  # noqa: E402

CAPACITY = 100
OVERBOOKING = 10


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(database_url: str, port: int, workers: int) -> subprocess.Popen:
    env = dict(
        os.environ,
        DATABASE_URL=database_url,
        DJANGO_DEBUG="1",
        ECOUTE_TIMERS="0",
        ECOUTE_AUTO_PURGE="0",
        # Each request runs in a thread of its own under ASGI: its connection is closed when it ends.
        ECOUTE_DB_CONN_MAX_AGE="60",
        # Everyone comes from 127.0.0.1 here; in life they come from a thousand places.
        ECOUTE_PROGRAMME_REGISTRATIONS_PER_SOURCE="100000",
    )
    server = subprocess.Popen(
        uvicorn_command("127.0.0.1", port, workers=workers),
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(300):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/programme/", timeout=1)
            return server
        except OSError:
            time.sleep(0.1)
    server.terminate()
    raise RuntimeError("the server did not start")


async def post_once(port, path, body: bytes, cookie: str) -> int:
    """One HTTP/1.1 POST on a connection of its own; the status code (asyncio: a thousand at once is cheap)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nCookie: {cookie}\r\n"
        f"Referer: http://127.0.0.1:{port}{path}\r\nContent-Type: application/x-www-form-urlencoded\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    )
    writer.write(head.encode() + body)
    await writer.drain()
    status = int((await reader.readline()).split()[1])
    await reader.read()
    writer.close()
    return status


async def post_all(port, event_pk, token, cookie, people, samples, statuses) -> None:
    """PEOPLE posts spread evenly over one second, each timed from its sending to its answer."""
    path = f"/programme/{event_pk}/"
    t0 = time.perf_counter()

    async def one(n):
        await asyncio.sleep(max(0.0, t0 + n / people - time.perf_counter()))
        body = urllib.parse.urlencode({"csrfmiddlewaretoken": token, "email": f"p{n}@example.org"}).encode()
        began = time.perf_counter()
        try:
            status = await post_once(port, path, body, cookie)
        except OSError:
            status = "connection error"
        samples.append((time.perf_counter() - began) * 1000)
        statuses[status] = statuses.get(status, 0) + 1

    await asyncio.gather(*(one(n) for n in range(people)))


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--people", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    url = ensure_postgres_database("ecoute_programme_bench")
    setup_django(url)
    from django.utils import timezone

    from ecoute.programme.models import HOLDING_STATES, Event, Kind, Registration, State

    Registration.objects.all().delete()
    start = timezone.now() + timedelta(days=3)
    event = Event.objects.create(
        kind=Kind.EJADES,
        title="eJADES : mieux dormir après une garde",
        online=True,
        starts_at=start,
        ends_at=start + timedelta(hours=1),
        capacity=CAPACITY,
        overbooking_percent=OVERBOOKING,
        price=0,
        published=True,
    )
    port = free_port()
    server = start_server(url, port, args.workers)
    try:
        page_url = f"http://127.0.0.1:{port}/programme/{event.pk}/"
        jar = CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect)
        token = re.search(
            r'name="csrfmiddlewaretoken" value="([^"]+)"', opener.open(page_url).read().decode()
        ).group(1)
        cookie = "; ".join(f"{c.name}={c.value}" for c in jar)
        samples, statuses = [], {}
        started = time.perf_counter()
        asyncio.run(post_all(port, event.pk, token, cookie, args.people, samples, statuses))
        all_done_s = time.perf_counter() - started
    finally:
        server.terminate()
        server.wait(20)
    held = event.registrations.filter(state__in=HOLDING_STATES).count()
    waiting = event.registrations.filter(state=State.WAITING).count()
    result = {
        "benchmark": "programme_registrations",
        "people": args.people,
        "arrivals_over_s": 1.0,
        "server_workers": args.workers,
        "capacity": CAPACITY,
        "place_limit": event.place_limit,
        "responses": {str(k): v for k, v in statuses.items()},
        "latency": percentiles(samples),
        "last_response_after_s": round(all_done_s, 2),
        "places_held": held,
        "waiting_list": waiting,
        "over_limit": max(0, held - event.place_limit),
        "registrations_lost": args.people - held - waiting,
        "cpu_cores": os.cpu_count(),
        # The machine is shared: its load while the posts ran says how far the figures are its own.
        "load_average_1min_after": round(os.getloadavg()[0], 1),
    }
    path = save("programme_registrations", result)
    print(
        f"{args.people} registrations in 1 s for {CAPACITY} places (+{OVERBOOKING} %): responses {statuses}"
    )
    print(
        f"  p50 {result['latency']['p50_ms']} ms, p95 {result['latency']['p95_ms']} ms, max {result['latency']['max_ms']} ms; last after {all_done_s:.1f} s"
    )
    print(
        f"  held {held} / limit {event.place_limit}, waiting {waiting}, over the limit: {result['over_limit']} → {path}"
    )
    return 0 if result["over_limit"] == 0 and result["registrations_lost"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
