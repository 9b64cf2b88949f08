"""Router under load on PostgreSQL: 1,000 simultaneous call requests, 100 available psychologists.

1,000 calls join the queue at once (eight threads). Then two router threads (each with its own
database connection, as two server processes would have) run routing.route_waiting() in a loop:
the burst is the first 100 decisions, one per free listener. Then four "psychologist" threads
answer and hang up whatever rings (wrap-up 0) and route at once as the workspace's consumer does,
until all 1,000 calls have rung. Measured: decisions per second (rings made), the latency of each
decision (one actions.offer: the claim of the listener and the move of the call), and double
assignments, which must be 0.

    .venv/bin/python bench/router_load.py      (JSON in bench/results/router_load.json)
"""

import os
import sys
import threading
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _support import ensure_postgres_database, percentiles, save, setup_django  # noqa: E402

CALLS, LISTENERS, ROUTERS, ANSWERERS = 1000, 100, 2, 4
TIME_LIMIT = 240.0


def main() -> int:
    os.environ.setdefault("ECOUTE_WRAP_UP_SECONDS", "0")
    os.environ.setdefault("ECOUTE_MIN_WRAP_UP_SECONDS", "0")
    os.environ.setdefault("ECOUTE_LOG_LEVEL", "WARNING")
    setup_django(ensure_postgres_database("ecoute_bench_router"))
    from django.db import connections
    from django.db.models import Count

    from ecoute.accounts.models import ListenerProfile, Role, User
    from ecoute.calls import actions, routing
    from ecoute.calls.models import Alert, Call, CallState, Ring, RingOutcome
    from ecoute.presence.models import Presence, Status

    # A clean slate in the benchmark's own database.
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

    # Every decision timed where it happens: one offer = one decision.
    offer_ms: list[float] = []
    real_offer = actions.offer

    def timed_offer(call_id, psychologist_id):
        started = time.perf_counter()
        try:
            return real_offer(call_id, psychologist_id)
        finally:
            offer_ms.append((time.perf_counter() - started) * 1000)

    actions.offer = timed_offer

    # 1,000 callers at once: eight threads enqueue them together.
    barrier = threading.Barrier(8)

    def enqueue(share: int) -> None:
        barrier.wait()
        for _ in range(share):
            actions.enqueue(uuid.uuid4())
        connections.close_all()

    started = time.perf_counter()
    threads = [threading.Thread(target=enqueue, args=(CALLS // 8,)) for _ in range(8)]
    for thread in threads:
        thread.start()
    done = threading.Event()

    def router() -> None:
        while not done.is_set():
            if not routing.route_waiting():
                time.sleep(0.002)
        connections.close_all()

    def answerer(index: int) -> None:
        while not done.is_set():
            rings = list(Ring.objects.filter(outcome=RingOutcome.RINGING, psychologist_id__in=mine[index]).values_list("call_id", "psychologist_id")[:20])
            for call_id, psychologist_id in rings:
                try:
                    actions.accept(call_id, psychologist_id)
                    actions.psychologist_hangs_up(call_id, psychologist_id)
                except actions.CallError:
                    pass
            if rings:
                routing.route_waiting()  # as the workspace's consumer does after a hang-up
            else:
                time.sleep(0.002)
        connections.close_all()

    ids = list(Presence.objects.values_list("pk", flat=True))
    mine = [ids[i::ANSWERERS] for i in range(ANSWERERS)]
    for thread in threads:
        thread.join()
    enqueued_s = time.perf_counter() - started
    # The burst: 1,000 waiting, 100 free: how fast do the routers place the first 100?
    routers = [threading.Thread(target=router) for _ in range(ROUTERS)]
    burst_started = time.perf_counter()
    for worker in routers:
        worker.start()
    while Ring.objects.count() < LISTENERS and time.perf_counter() - burst_started < 60:
        time.sleep(0.005)
    burst_s = time.perf_counter() - burst_started
    burst_latency = percentiles(offer_ms) | {"p99_ms": round(sorted(offer_ms)[int(0.99 * (len(offer_ms) - 1))], 1)}
    # Then the drain: listeners answer, hang up and take the next call until all 1,000 have rung.
    answerers = [threading.Thread(target=answerer, args=(i,)) for i in range(ANSWERERS)]
    for worker in answerers:
        worker.start()
    workers = routers + answerers
    deadline = time.monotonic() + TIME_LIMIT
    while Ring.objects.count() < CALLS and time.monotonic() < deadline:
        time.sleep(0.05)
    elapsed = time.perf_counter() - started
    done.set()
    for worker in workers:
        worker.join(30)

    rings = Ring.objects.count()
    doubled_calls = Ring.objects.filter(outcome=RingOutcome.ACCEPTED).values("call").annotate(n=Count("pk")).filter(n__gt=1).count()
    overlapping = _overlapping_calls(Call.objects.filter(answered_at__isnull=False).values_list("psychologist_id", "answered_at", "ended_at"))
    result = {
        "database": "postgresql",
        "calls": CALLS, "listeners": LISTENERS, "router_threads": ROUTERS,
        "burst_decisions": LISTENERS,
        "burst_decisions_per_second": round(LISTENERS / burst_s, 1),
        "burst_decision_latency": burst_latency,
        "decisions": rings,
        "decisions_per_second_with_answering": round(rings / (elapsed - enqueued_s), 1),
        "seconds": round(elapsed, 2),
        "enqueue_seconds": round(enqueued_s, 2),
        "decision_latency": percentiles(offer_ms) | {"p99_ms": round(sorted(offer_ms)[int(0.99 * (len(offer_ms) - 1))], 1)},
        "double_assignments": doubled_calls + overlapping,
        "calls_left_waiting": Call.objects.filter(state=CallState.REQUESTED).count(),
        "target_decisions_per_second": 500,
    }
    save("router_load", result)
    latency = result["decision_latency"]
    print(f"{'router on PostgreSQL':<28}{'value':>12}{'target':>10}")
    print(f"{'decisions/s (burst of 100)':<28}{result['burst_decisions_per_second']:>12}{'≥ 500':>10}")
    print(f"{'burst decision p50/p99 ms':<28}{burst_latency['p50_ms']:>6} / {burst_latency['p99_ms']:<5}")
    print(f"{'decisions/s (1,000, answering)':<28}{result['decisions_per_second_with_answering']:>12}")
    print(f"{'decision p50 / p99 ms':<28}{latency['p50_ms']:>6} / {latency['p99_ms']:<5}")
    print(f"{'double assignments':<28}{result['double_assignments']:>12}{'0':>10}")
    print(f"{'decisions made':<28}{rings:>12}{CALLS:>10}")
    return 0 if result["double_assignments"] == 0 and rings == CALLS else 1


def _overlapping_calls(rows) -> int:
    spans: dict = {}
    for psychologist_id, answered, ended in rows:
        spans.setdefault(psychologist_id, []).append((answered, ended))
    overlaps = 0
    for intervals in spans.values():
        intervals.sort()
        overlaps += sum(1 for (_, end), (start, _) in zip(intervals, intervals[1:]) if end is None or start < end)
    return overlaps


if __name__ == "__main__":
    sys.exit(main())
