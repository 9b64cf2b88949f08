"""Router under load on PostgreSQL: 1,000 simultaneous call requests, 100 available psychologists.

Server processes are real processes here (four, forked), each with its own database connection
and the Redis channel layer when it is running, as Uvicorn workers would have.

1. Arrival: the 1,000 requests come at the same instant, 250 per process. Each is handled as the
   caller's websocket handles "talk to someone now" (ecoute/calls/consumers.py): actions.enqueue,
   then routing.route_waiting. A request's decision is made when that returns: the call rings a
   psychologist, or it waits in the queue. Measured: requests decided per second, and each
   request's latency from the common start (so it includes waiting for a free worker).
2. Placing the queue: the 900 waiting calls ring psychologists as they free up. In each round every
   ringing call is answered and hung up through the real actions (not timed: that is the
   psychologists' work, not the router's), then two processes route at once until nobody is free.
   A ring decision is made when the pass that made it commits; its latency runs from the moment
   the psychologists were free. Measured: ring decisions per second of routing, p99 latency.

Double assignments (a call accepted twice, a psychologist in two calls at once) must be 0.

    .venv/bin/python bench/router_load.py      (JSON in bench/results/router_load.json)
"""

import multiprocessing
import os
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _support import ensure_postgres_database, percentiles, save, setup_django  # noqa: E402

CALLS, LISTENERS, PROCESSES, ROUTERS = 1000, 100, 4, 2
TIME_LIMIT = 240.0
TARGET = 500


def main() -> int:
    os.environ.setdefault("ECOUTE_WRAP_UP_SECONDS", "0")
    os.environ.setdefault("ECOUTE_MIN_WRAP_UP_SECONDS", "0")
    os.environ.setdefault("ECOUTE_LOG_LEVEL", "WARNING")
    os.environ.setdefault("ECOUTE_CHANNEL_PREFIX", "bench-router")
    if _redis_running():
        os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/0")
    setup_django(ensure_postgres_database("ecoute_bench_router"))
    _clean_slate()
    context = multiprocessing.get_context("fork")

    arrivals = _arrival(context)
    placing = _placing_the_queue(context)
    result = _result(arrivals, placing)
    save("router_load", result)
    _print(result)
    return 0 if result["double_assignments"] == 0 and result["decisions"] == CALLS else 1


def _redis_running() -> bool:
    import socket

    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
        return True
    except OSError:
        return False


def _clean_slate() -> None:
    from ecoute.accounts.models import ListenerProfile, Role, User
    from ecoute.calls.models import Alert, Call, Ring
    from ecoute.presence.models import Presence, Status

    Ring.objects.all().delete()
    Alert.objects.all().delete()
    Call.objects.all().delete()
    Presence.objects.all().delete()
    ListenerProfile.objects.all().delete()
    User.objects.filter(username__startswith="bench-").delete()
    for n in range(LISTENERS):
        user = User.objects.create(username=f"bench-{n}", role=Role.PSYCHOLOGIST)
        ListenerProfile.objects.create(user=user, first_name=f"P{n}")
        Presence.objects.create(user=user, status=Status.AVAILABLE, session="bench")


# --- 1. 1,000 requests at once ------------------------------------------------------------------


def _arrival(context) -> dict:
    from django.db import connections

    connections.close_all()  # each forked process opens its own
    start_at = time.time() + 1.0
    with context.Pool(PROCESSES) as pool:
        shares = pool.starmap(_request_calls, [(CALLS // PROCESSES, start_at)] * PROCESSES)
    latencies = [ms for share in shares for ms in share["latencies_ms"]]
    last = max(share["finished_at"] for share in shares)
    return {"latencies_ms": latencies, "seconds": last - start_at}


def _request_calls(count: int, start_at: float) -> dict:
    """One server process: COUNT callers ask to talk to someone now, all from START_AT."""
    from django.db import connection, connections

    from ecoute.calls import actions, routing

    connection.ensure_connection()
    time.sleep(max(0.0, start_at - time.time()))
    latencies = []
    for _ in range(count):
        actions.enqueue(uuid.uuid4())
        routing.route_waiting()
        latencies.append((time.time() - start_at) * 1000)
    connections.close_all()
    return {"latencies_ms": latencies, "finished_at": time.time()}


# --- 2. The queue placed as psychologists free up -----------------------------------------------


def _placing_the_queue(context) -> dict:
    from django.db import connections

    from ecoute.calls.models import Call, CallState

    routing_seconds, latencies, rings = 0.0, [], 0
    deadline = time.monotonic() + TIME_LIMIT
    while Call.objects.filter(state=CallState.REQUESTED).exists() and time.monotonic() < deadline:
        _answer_and_hang_up_everything_ringing()
        connections.close_all()
        freed_at = time.time() + 0.5  # the routers' processes are up and connected by then
        with context.Pool(ROUTERS) as pool:
            passes = [
                p for share in pool.map(_route_until_nobody_is_free, [freed_at] * ROUTERS) for p in share
            ]
        routing_seconds += max(finished for finished, _ in passes) - freed_at if passes else 0.0
        for finished, placed in passes:
            latencies += [(finished - freed_at) * 1000] * placed
            rings += placed
    return {"rings": rings, "seconds": routing_seconds, "latencies_ms": latencies}


def _answer_and_hang_up_everything_ringing() -> None:
    from ecoute.calls import actions
    from ecoute.calls.models import Ring, RingOutcome

    for call_id, listener_id in Ring.objects.filter(outcome=RingOutcome.RINGING).values_list(
        "call_id", "psychologist_id"
    ):
        actions.accept(call_id, listener_id)
        actions.psychologist_hangs_up(call_id, listener_id)


def _route_until_nobody_is_free(freed_at: float) -> list[tuple[float, int]]:
    """One server process routing from FREED_AT: (commit time, rings made) of each pass that placed calls."""
    from django.db import connection, connections

    from ecoute.calls import routing

    connection.ensure_connection()
    time.sleep(max(0.0, freed_at - time.time()))
    passes = []
    while placed := routing.route_waiting():
        passes.append((time.time(), placed))
    connections.close_all()
    return passes


# --- Results ------------------------------------------------------------------------------------


def _result(arrivals: dict, placing: dict) -> dict:
    from ecoute.calls.models import Call, CallState, Ring, RingOutcome

    decisions = Ring.objects.count()
    return {
        "database": "postgresql",
        "channel_layer": "redis" if os.environ.get("REDIS_URL") else "in-memory",
        "calls": CALLS,
        "listeners": LISTENERS,
        "server_processes": PROCESSES,
        "requests_decided_per_second": round(CALLS / arrivals["seconds"], 1),
        "request_latency": _with_p99(arrivals["latencies_ms"]),
        "rung_on_arrival": decisions - placing["rings"],
        "ring_decisions_per_second": round(placing["rings"] / placing["seconds"], 1)
        if placing["seconds"]
        else None,
        "ring_latency": _with_p99(placing["latencies_ms"]) if placing["latencies_ms"] else None,
        "decisions": decisions,
        "double_assignments": _double_assignments(Call, Ring, RingOutcome),
        "calls_left_waiting": Call.objects.filter(state=CallState.REQUESTED).count(),
        "target_decisions_per_second": TARGET,
    }


def _with_p99(samples: list[float]) -> dict:
    ordered = sorted(samples)
    return percentiles(samples) | {"p99_ms": round(ordered[int(0.99 * (len(ordered) - 1))], 1)}


def _double_assignments(Call, Ring, RingOutcome) -> int:
    from django.db.models import Count

    accepted_twice = (
        Ring.objects.filter(outcome=RingOutcome.ACCEPTED)
        .values("call")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .count()
    )
    spans: dict = {}
    for listener_id, answered, ended in Call.objects.filter(answered_at__isnull=False).values_list(
        "psychologist_id", "answered_at", "ended_at"
    ):
        spans.setdefault(listener_id, []).append((answered, ended))
    overlapping = 0
    for intervals in spans.values():
        intervals.sort()
        overlapping += sum(
            1 for (_, end), (start, _) in zip(intervals, intervals[1:]) if end is None or start < end
        )
    return accepted_twice + overlapping


def _print(result: dict) -> None:
    arrival, ring = result["request_latency"], result["ring_latency"] or {}
    print(f"{'router on PostgreSQL':<36}{'value':>14}{'target':>10}")
    print(
        f"{'requests decided/s (1,000 at once)':<36}{result['requests_decided_per_second']:>14}{'≥ 500':>10}"
    )
    print(f"{'request latency p50 / p99 ms':<36}{arrival['p50_ms']:>7} / {arrival['p99_ms']:<6}")
    print(f"{'ring decisions/s (queue placed)':<36}{result['ring_decisions_per_second']:>14}{'≥ 500':>10}")
    print(f"{'ring latency p50 / p99 ms':<36}{ring.get('p50_ms', '-'):>7} / {ring.get('p99_ms', '-'):<6}")
    print(f"{'double assignments':<36}{result['double_assignments']:>14}{'0':>10}")
    print(f"{'calls rung':<36}{result['decisions']:>14}{CALLS:>10}")


if __name__ == "__main__":
    sys.exit(main())
