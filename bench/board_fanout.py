"""A presence change reaching every watcher of the public board: N = 1,000 and 10,000 websockets,
two server processes, the Redis channel layer, PostgreSQL.

For each N, three measures, each over several rounds, every watcher's delay counted:
  status change:  a psychologist's "status.set" leaves their socket → each watcher has the frame
                  (the real path: action, commit, Redis, each process's fan-out, N sockets)
  board fan-out:  a group_send to the board group → each watcher has the frame
  plain group:    the baseline, plain Channels: a group_send to a group of N consumers → each has it
The load client is this one process on the same two cores (a lean client, bench/lean_websocket.py,
so that it measures the servers rather than itself); the figures are still pessimistic.
Targets (board fan-out): p99 ≤ 200 ms at 1,000 and ≤ 500 ms at 10,000, on the machine as it is.
Production settings; a fresh database.
"""

import argparse
import asyncio
import json
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
    save,
    server_environment,
    setup_django,
)
from bench.lean_websocket import Watcher, open_watcher, use_a_fast_event_loop  # noqa: E402

ROUNDS = 5
TARGETS_P99_MS = {"1000": 200, "10000": 500}
CONNECT_BATCH = 200
ROUND_TIMEOUT = 20
# The workspace's heartbeat, as ecoute/calls/static/calls/workspace.js sends it.
HEARTBEAT_SECONDS = 5


def quantiles(samples: list[float]) -> dict:
    ordered = sorted(samples)
    pick = lambda q: round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 1)  # noqa: E731
    return {
        "received": len(ordered),
        "p50_ms": pick(0.5),
        "p99_ms": pick(0.99),
        "max_ms": round(ordered[-1], 1),
    }


async def open_watchers(servers, path: str, count: int) -> list[Watcher]:
    """COUNT watchers spread over the servers; each has received its first frame (snapshot or "ready")."""
    watchers = []
    for start in range(0, count, CONNECT_BATCH):
        batch = range(start, min(count, start + CONNECT_BATCH))
        watchers += await asyncio.gather(
            *(open_watcher(servers[i % len(servers)].port, path, forwarded_for(i)) for i in batch)
        )
    return watchers


def forwarded_for(n: int) -> dict:
    """Each watcher from a network of its own behind the proxy, as callers are (the abuse limits
    allow a hundred sockets per source: 10,000 from one address would be a flood)."""
    return {"X-Forwarded-For": f"10.{n // 62500}.{n // 250 % 250}.{n % 250 + 1}"}


async def one_round(watchers, marker: bytes, trigger) -> list[float]:
    """Send the trigger; return each watcher's delay in ms until a frame containing MARKER arrived."""
    waiting = [watcher.expect(marker) for watcher in watchers]
    started = time.perf_counter()
    await trigger()
    done, pending = await asyncio.wait(waiting, timeout=ROUND_TIMEOUT)
    for future in pending:
        future.cancel()
    return [(future.result() - started) * 1000 for future in done]


async def measure_board(servers, count: int, psychologist_id: int, cookie: str) -> dict:
    from channels.layers import get_channel_layer

    layer = get_channel_layer()
    workspace = await open_watcher(servers[0].port, "/ws/workspace/", {"Cookie": f"sessionid={cookie}"})
    # Beating as a real workspace does: silent for the minutes 10,000 watchers take to connect, it was
    # shown away by the timers and its window closed after the first round (docs/performance.md).
    beating = asyncio.ensure_future(heartbeats(workspace))
    watchers = await open_watchers(servers, "/ws/line/", count)
    real, direct, fanout_cpu = [], [], []
    for round_number in range(ROUNDS):
        status = "available" if round_number % 2 == 0 else "break"
        shown = "available" if status == "available" else "away"
        workspace.send_text(json.dumps({"type": "heartbeat"}))

        async def change_status(status=status):
            workspace.send_text(json.dumps({"type": "status.set", "status": status}))

        real += await one_round(
            watchers, f'"id": {psychologist_id}, "status": "{shown}"'.encode(), change_status
        )
        version = 10**9 + round_number
        cpu_before = cpu_seconds(servers)
        direct += await one_round(
            watchers,
            f'"version": {version}'.encode(),
            lambda version=version: layer.group_send(
                "board",
                {"type": "board.changes", "changes": [{"id": 10**9, "status": "away", "version": version}]},
            ),
        )
        fanout_cpu.append(cpu_seconds(servers) - cpu_before)
        await asyncio.sleep(0.5)
    beating.cancel()
    for watcher in [*watchers, workspace]:
        watcher.close()
    return {
        "status_change": quantiles(real),
        "board_fanout": quantiles(direct),
        "expected": count * ROUNDS,
        # What the machine's load cannot change: both servers' CPU time for one change to all watchers.
        "servers_cpu_ms_per_fanout": round(1000 * sum(fanout_cpu) / len(fanout_cpu), 1),
        "load_average_at_the_end": Path("/proc/loadavg").read_text().split()[:3],
    }


def cpu_seconds(servers) -> float:
    """User and system CPU time of the server processes so far (from /proc)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for server in servers:
        fields = Path(f"/proc/{server.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


async def heartbeats(workspace: Watcher) -> None:
    while True:
        workspace.send_text(json.dumps({"type": "heartbeat"}))
        await asyncio.sleep(HEARTBEAT_SECONDS)


async def measure_plain(servers, count: int) -> dict:
    from channels.layers import get_channel_layer

    layer = get_channel_layer()
    watchers = await open_watchers(servers, "/ws/plain/", count)
    delays = []
    for round_number in range(ROUNDS):
        text = json.dumps(
            {
                "type": "presence",
                "changes": [{"id": 10**9, "status": "away", "version": 10**9 + round_number}],
            }
        )
        delays += await one_round(
            watchers,
            f'"version": {10**9 + round_number}'.encode(),
            lambda text=text: layer.group_send("bench-plain", {"type": "bench.message", "text": text}),
        )
        await asyncio.sleep(0.5)
    for watcher in watchers:
        watcher.close()
    return {"plain_group": quantiles(delays), "expected": count * ROUNDS}


def measure_plain_servers(env: dict, count: int) -> dict:
    from asgiref.sync import async_to_sync

    from tests.support.live import LiveServer

    servers = [
        LiveServer(env, name=f"bench-plain-{n}", app="bench.plain_group_asgi:application").start()
        for n in (1, 2)
    ]
    try:
        return async_to_sync(measure_plain)(servers, count)
    finally:
        for server in servers:
            server.stop()


def run(sizes: list[int], baseline: bool = True) -> dict:
    from asgiref.sync import async_to_sync

    from tests.support.cast import make_psychologist
    from tests.support.live import LiveServer
    from tests.support.twofactor import verified_session_cookie

    claire = make_psychologist("Claire")
    cookie = verified_session_cookie(claire)
    analyse()
    env = server_environment(ECOUTE_TRUSTED_PROXIES="127.0.0.1")
    results = {}
    for count in sizes:
        servers = [LiveServer(env, name=f"bench-board-{n}").start() for n in (1, 2)]
        try:
            board = async_to_sync(measure_board)(servers, count, claire.pk, cookie)
        finally:
            for server in servers:
                server.stop()
        plain = measure_plain_servers(env, count) if baseline else {}
        results[str(count)] = {**board, **plain}
        print(f"N={count}: {json.dumps(results[str(count)])}", file=sys.stderr)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--no-baseline", action="store_true", help="skip plain Channels (the comparison)")
    args = parser.parse_args()
    use_a_fast_event_loop()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # the servers started from here inherit it
    os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/0")
    os.environ["ECOUTE_CHANNEL_PREFIX"] = f"bench-{secrets.token_hex(4)}"
    os.environ["ECOUTE_CACHE_PREFIX"] = os.environ["ECOUTE_CHANNEL_PREFIX"]  # no earlier run's counters
    setup_django(fresh_postgres_database("ecoute_bench_board"))
    started = time.monotonic()
    run_conditions = conditions("2 Uvicorn processes, 1 load client, PostgreSQL, Redis")
    results = run([int(size) for size in args.sizes.split(",")], baseline=not args.no_baseline)
    targets = Targets()
    for count, row in results.items():
        limit = TARGETS_P99_MS.get(count)
        if limit:
            targets.at_most(f"board fan-out p99 at {count}", row["board_fanout"]["p99_ms"], limit)
            targets.enough_samples(f"board fan-out at {count}", row["board_fanout"]["received"], 0.99)
            targets.equal(f"frames received at {count}", row["board_fanout"]["received"], row["expected"])
    path = save(
        "board_fanout",
        {"sizes": results, "seconds": round(time.monotonic() - started, 1), "conditions": run_conditions},
        targets,
    )
    print(f"{'N':>6} {'measure':14} {'received':>9} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}")
    for count, row in results.items():
        for key in ("status_change", "board_fanout", "plain_group"):
            if key not in row:
                continue
            figures = row[key]
            print(
                f"{count:>6} {key:14} {figures['received']:>9} {figures['p50_ms']:>8} {figures['p99_ms']:>8} {figures['max_ms']:>8}"
            )
    print(f"({path}; expected {ROUNDS} frames per watcher)")
    print(targets.report())
    sys.exit(1 if targets.missed else 0)


if __name__ == "__main__":
    main()
