"""A surge of callers on PostgreSQL and Redis: 1,000 simultaneous requests through websockets.

The headline, what a caller meets: four server processes (Uvicorn, the production ASGI app and
settings, the Redis channel layer), 100 psychologists available, 1,000 callers' sockets open, each
from a network of its own behind the proxy (the abuse limits see 1,000 sources). At one instant every
caller sends "talk to someone now" (queue.join); a request is answered when its socket receives its
place in the queue (queue.position) or the news that it rings somebody (call.ringing). Measured:
request → answer p50/p99, each request timed from the moment its own message left, and decisions
per second (requests answered over the time from the first message to the last answer).
Targets: every request answered, p99 ≤ 1 s, ≥ 500 decisions/s.

Then, in-process (four forked processes, as in the server): the 900 waiting calls placed as the
psychologists free up, in rounds; each round every ringing call is answered and hung up through
the real actions (not timed), then two processes route at once until nobody is free. Measured:
ring decisions per second of routing.

Double assignments must be 0: a call accepted twice, a psychologist in two calls at once, a
psychologist rung for two calls at once, a call ringing two psychologists at once.

    .venv/bin/python bench/router_load.py [--callers 1000]   (JSON in bench/results/router_load.json)
"""

import argparse
import asyncio
import json
import multiprocessing
import os
import resource
import secrets
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench._support import (  # noqa: E402
    Targets,
    analyse,
    conditions,
    fresh_postgres_database,
    percentiles,
    save,
    server_environment,
    setup_django,
)
from bench.lean_websocket import open_watcher, use_a_fast_event_loop  # noqa: E402

LISTENERS, SERVERS, ROUTERS = 100, 4, 2
CONNECT_BATCH = 100
ANSWER_TIMEOUT = 60.0
PLACING_TIME_LIMIT = 120.0
TARGET_DECISIONS_PER_SECOND, TARGET_P99_MS = 500, 1000
ANSWERS = (b'"type": "queue.position"', b'"type": "call.ringing"')


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--callers", type=int, default=1000)
    args = parser.parse_args()
    use_a_fast_event_loop()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/0")
    os.environ["ECOUTE_CHANNEL_PREFIX"] = f"bench-router-{secrets.token_hex(3)}"
    # The abuse limits' counters of an earlier run (same sources, same day) must not count in this one.
    os.environ["ECOUTE_CACHE_PREFIX"] = os.environ["ECOUTE_CHANNEL_PREFIX"]
    os.environ["ECOUTE_WRAP_UP_SECONDS"] = "0"
    os.environ["ECOUTE_MIN_WRAP_UP_SECONDS"] = "0"
    setup_django(fresh_postgres_database("ecoute_bench_router"))
    _listeners_available()
    analyse()
    run_conditions = conditions(f"{SERVERS} Uvicorn processes, 1 load client, PostgreSQL, Redis")

    surge = _surge(args.callers)
    surge_checks = _assignments()
    placing = _placing_the_queue(multiprocessing.get_context("fork"))
    result = {
        "conditions": run_conditions,
        "callers": args.callers,
        "listeners": LISTENERS,
        "surge": surge,
        "surge_assignments": surge_checks,
        "placing_the_queue": placing,
        "assignments_at_the_end": _assignments(),
    }
    targets = Targets()
    targets.equal("surge: requests answered", surge["answered"], args.callers)
    targets.at_most("surge: request → answer p99", surge["answer"].get("p99_ms"), TARGET_P99_MS)
    targets.at_least("surge: decisions/s", surge["decisions_per_second"], TARGET_DECISIONS_PER_SECOND, "/s")
    targets.enough_samples("surge: request → answer", surge["answer"].get("n", 0), 0.99)
    targets.equal("double assignments", result["assignments_at_the_end"]["double_assignments"], 0)
    targets.at_least(
        "queue placed: ring decisions/s",
        placing["ring_decisions_per_second"],
        TARGET_DECISIONS_PER_SECOND,
        "/s",
    )
    path = save("router_load", result, targets)
    _print(result, targets, path)
    return 1 if targets.missed else 0


def _listeners_available() -> None:
    from ecoute.accounts.models import ListenerProfile, Role, User
    from ecoute.presence.models import Presence, Status

    for n in range(LISTENERS):
        user = User.objects.create(username=f"bench-{n}", role=Role.PSYCHOLOGIST)
        ListenerProfile.objects.create(user=user, first_name=f"P{n}")
        Presence.objects.create(user=user, status=Status.AVAILABLE, session="bench")


# --- The headline: 1,000 requests at once, through websockets --------------------------------------


def _surge(callers: int) -> dict:
    from tests.support.live import LiveServer

    env = server_environment(
        ECOUTE_TRUSTED_PROXIES="127.0.0.1",
        ECOUTE_WRAP_UP_SECONDS="0",
        ECOUTE_MIN_WRAP_UP_SECONDS="0",
    )
    servers, profilers = [], []
    try:
        for n in range(SERVERS):
            servers.append(LiveServer(env, name=f"bench-router-{n}").start())
        return asyncio.run(_all_at_once([server.port for server in servers], callers, servers, profilers))
    finally:
        for server in servers:
            server.stop()
        for profiler in profilers:
            profiler.wait(30)


def _profile(server, seconds: int):
    """BENCH_PROFILE=1: py-spy samples the server process during the surge; collapsed stacks in artifacts/."""
    import subprocess

    from tests.support.live import ARTIFACTS

    output = ARTIFACTS / f"profile-router-{server.port}.txt"
    py_spy = str(Path(sys.executable).with_name("py-spy"))
    command = [py_spy, "record", "--nonblocking", "--format", "raw", "-r", "100", "-d", str(seconds)]
    if os.environ.get("BENCH_PROFILE") == "gil":  # only the thread holding the GIL: Python's own CPU
        command.append("--gil")
    return subprocess.Popen(
        [*command, "-o", str(output), "-p", str(server.process.pid)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


async def _all_at_once(ports: list[int], callers: int, servers=(), profilers=None) -> dict:
    sockets = []
    for start in range(0, callers, CONNECT_BATCH):
        batch = range(start, min(callers, start + CONNECT_BATCH))
        sockets += await asyncio.gather(*(_caller(ports[n % len(ports)], n) for n in batch))
    if os.environ.get("BENCH_PROFILE"):
        profilers += [_profile(server, 4) for server in servers]
        await asyncio.sleep(1.0)  # py-spy attached
    answers = [socket.expect(*ANSWERS) for socket in sockets]
    cpu_before = _cpu_seconds(servers)
    sent_at = []
    for socket in sockets:  # every request within a few milliseconds, as a crowd's would
        sent_at.append(time.perf_counter())
        socket.send_text(json.dumps({"type": "queue.join"}))
    done, pending = await asyncio.wait(answers, timeout=ANSWER_TIMEOUT)
    cpu_used = _cpu_seconds(servers) - cpu_before
    latencies = [(answer.result() - sent) * 1000 for answer, sent in zip(answers, sent_at) if answer.done()]
    for socket in sockets:
        socket.close()
    last = max((answer.result() for answer in done), default=sent_at[0])
    return {
        "answered": len(done),
        "unanswered": len(pending),
        "answer": percentiles(latencies) if latencies else {},
        "seconds": round(last - sent_at[0], 3),
        "decisions_per_second": round(len(done) / (last - sent_at[0]), 1) if done else 0,
        "sending_took_ms": round((sent_at[-1] - sent_at[0]) * 1000, 1),
        # What the machine's load cannot change: the servers' own CPU time for the surge.
        "server_cpu_ms_per_request": round(cpu_used * 1000 / callers, 2) if servers else None,
    }


def _cpu_seconds(servers) -> float:
    """User and system CPU time of the server processes so far (from /proc)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for server in servers:
        fields = Path(f"/proc/{server.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


async def _caller(port: int, n: int):
    """One caller's app: its socket open from its own network, the board received, the device known."""
    forwarded = {"X-Forwarded-For": f"10.{n // 62500}.{n // 250 % 250}.{n % 250 + 1}"}
    socket = await open_watcher(port, "/ws/line/", forwarded)
    hello = socket.expect(b'"type": "hello"')
    socket.send_text(json.dumps({"type": "hello", "caller_key": secrets.token_urlsafe(32)}))
    await asyncio.wait_for(hello, 30)
    return socket


# --- The queue placed as psychologists free up (in-process) --------------------------------------


def _placing_the_queue(context) -> dict:
    from ecoute.calls.models import Call, CallState

    routing_seconds, latencies, rings = 0.0, [], 0
    deadline = time.monotonic() + PLACING_TIME_LIMIT
    while Call.objects.filter(state=CallState.REQUESTED).exists() and time.monotonic() < deadline:
        _answer_and_hang_up_everything_ringing()
        _close_every_connection()
        freed_at = time.time() + 0.5  # the routers' processes are up and connected by then
        with context.Pool(ROUTERS) as pool:
            shares = pool.map(_route_until_nobody_is_free, [freed_at] * ROUTERS)
        passes = [one for share in shares for one in share]
        routing_seconds += max(finished for finished, _ in passes) - freed_at if passes else 0.0
        for finished, placed in passes:
            latencies += [(finished - freed_at) * 1000] * placed
            rings += placed
    return {
        "rings": rings,
        "seconds": round(routing_seconds, 3),
        "ring_decisions_per_second": round(rings / routing_seconds, 1) if routing_seconds else None,
        "ring_latency": percentiles(latencies) if latencies else {},
    }


def _close_every_connection() -> None:
    """Before forking the routers: no connection, and no pool, for a child to inherit.

    A forked child inherits the parent's PostgreSQL pool (its connections' sockets, shared with the
    parent, and none of its threads): the routers then waited on connections that never came, and
    the run stopped at `make bench`'s time limit. Each child makes a pool of its own instead.
    """
    from django.db import connections

    connections.close_all()
    for connection in connections.all():
        if getattr(connection, "pool", None):
            connection.close_pool()


def _answer_and_hang_up_everything_ringing() -> None:
    from django.db import transaction

    from ecoute.calls import actions, router
    from ecoute.calls.models import Ring, RingOutcome

    with transaction.atomic():
        for call_id, listener_id in Ring.objects.filter(outcome=RingOutcome.RINGING).values_list(
            "call_id", "psychologist_id"
        ):
            actions.accept(call_id, listener_id)
            actions.psychologist_hangs_up(call_id, listener_id)
        # The hang-ups ask for a routing pass at commit: the routers timed below make it instead.
        connection = transaction.get_connection()
        connection.run_on_commit = [
            hook for hook in connection.run_on_commit if hook[1] is not router.route_waiting
        ]


def _route_until_nobody_is_free(freed_at: float) -> list[tuple[float, int]]:
    """One server process routing from FREED_AT: (commit time, rings made) of each pass that placed calls."""
    from django.db import connection

    from ecoute.calls import router

    connection.ensure_connection()
    time.sleep(max(0.0, freed_at - time.time()))
    passes = []
    while placed := router.route_waiting():
        passes.append((time.time(), placed))
    _close_every_connection()
    return passes


# --- Double assignments -----------------------------------------------------------------------------


def _assignments() -> dict:
    """What the database holds: calls by state, and every kind of double assignment found."""
    from django.db.models import Count

    from ecoute.calls.models import Call, Ring, RingOutcome

    accepted_twice = (
        Ring.objects.filter(outcome=RingOutcome.ACCEPTED)
        .values("call")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .count()
    )
    talks = Call.objects.filter(answered_at__isnull=False).values_list(
        "psychologist_id", "answered_at", "ended_at"
    )
    rings = list(Ring.objects.values_list("psychologist_id", "call_id", "started_at", "ended_at"))
    checks = {
        "call_accepted_twice": accepted_twice,
        "listener_in_two_calls": _overlaps((who, start, end) for who, start, end in talks),
        "listener_rung_twice_at_once": _overlaps((who, start, end) for who, _, start, end in rings),
        "call_ringing_two_listeners": _overlaps((call, start, end) for _, call, start, end in rings),
    }
    states = dict(Call.objects.values_list("state").annotate(n=Count("pk")).values_list("state", "n"))
    return {**checks, "double_assignments": sum(checks.values()), "calls_by_state": states}


def _overlaps(spans) -> int:
    """How many (owner, start, end) spans begin before the previous one of the same owner ended."""
    by_owner: dict = {}
    for owner, start, end in spans:
        by_owner.setdefault(owner, []).append((start, end))
    found = 0
    for intervals in by_owner.values():
        intervals.sort(key=lambda span: span[0])
        found += sum(
            1 for (_, end), (start, _) in zip(intervals, intervals[1:]) if end is None or start < end
        )
    return found


def _print(result: dict, targets: Targets, path: Path) -> None:
    surge, placing = result["surge"], result["placing_the_queue"]
    answer = surge["answer"]
    print(f"router, {result['callers']} callers at once through websockets: {result['conditions']}")
    print(
        f"  answered {surge['answered']}, request → answer p50 {answer.get('p50_ms')} ms, "
        f"p99 {answer.get('p99_ms')} ms, {surge['decisions_per_second']} decisions/s, "
        f"servers' CPU {surge['server_cpu_ms_per_request']} ms a request"
    )
    print(f"  calls after the surge: {result['surge_assignments']['calls_by_state']}")
    print(
        f"  queue placed: {placing['ring_decisions_per_second']} ring decisions/s ({placing['rings']} rings)"
    )
    print(targets.report())
    print(f"({path})")


if __name__ == "__main__":
    sys.exit(main())
