"""The cost of the abuse limits (ecoute/abuse) on the line's hot path, on PostgreSQL and Redis.

  gate, first call of a source:  what every tap and join now runs before ringing (blocks, counters,
                                 the source's waiting calls, the call remembered): the common case
  gate, with a proof of work:    a source with a call waiting: the proof verified and ranked
  message bucket:                the per-connection check every incoming message passes
  tap → ring over sockets:       a caller's "call.request" sent → the psychologist's socket receives
                                 "call.ringing", through a real uvicorn process with the limits on

Target: tap → ring p95 ≤ 100 ms (docs/performance.md); the board fan-out does not pass through the
limits (only the caller's incoming messages and new calls do).
"""

import argparse
import asyncio
import json
import os
import secrets
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench._support import (  # noqa: E402
    Targets,
    conditions,
    fresh_postgres_database,
    percentiles,
    save,
    server_environment,
    setup_django,
)


def gate_costs(samples: int) -> dict:
    from ecoute.abuse import gate, limits, proof_of_work
    from ecoute.calls import actions, device_key

    first = []
    for _ in range(samples):
        source, device = secrets.token_hex(16), device_key.hashed(secrets.token_urlsafe(32))
        started = time.perf_counter()
        gate.admit(device, (source, secrets.token_hex(16)))
        limits.remember_call(source, uuid.uuid4())
        first.append((time.perf_counter() - started) * 1000)
    proved = []
    for _ in range(max(1, samples // 5)):
        source = secrets.token_hex(16)
        call_id = uuid.uuid4()
        actions.enqueue(call_id, "")
        limits.remember_call(source, call_id)
        challenge = proof_of_work.challenge(source, proof_of_work.difficulty(1))
        proof = {**challenge, "number": proof_of_work.solve(challenge)}
        started = time.perf_counter()
        gate.admit("", (source,), proof)
        proved.append((time.perf_counter() - started) * 1000)
        actions.caller_leaves(call_id)
    bucket = limits.message_bucket()
    started = time.perf_counter()
    for _ in range(100_000):
        bucket.tokens = 10.0
        bucket.take()
    per_message_us = (time.perf_counter() - started) * 1e6 / 100_000
    return {
        "gate_first_call": percentiles(first),
        "gate_with_proof": percentiles(proved),
        "message_bucket_us": round(per_message_us, 2),
    }


async def tap_to_ring(server_port: int, cookie: str, psychologist_id: int, calls: int) -> list[float]:
    import websockets

    origin = f"http://localhost:{server_port}"

    async def expect(connection, kind: str) -> dict:
        async with asyncio.timeout(30):
            while True:
                event = json.loads(await connection.recv())
                if event["type"] in (kind, "error"):
                    return event

    workspace = await websockets.connect(
        f"ws://localhost:{server_port}/ws/workspace/",
        additional_headers={"Origin": origin, "Cookie": f"sessionid={cookie}"},
    )
    await expect(workspace, "presence.self")
    await workspace.send(json.dumps({"type": "status.set", "status": "available"}))
    rings = []
    for n in range(calls):
        # Each caller from a network of its own, as behind the proxy (the limits see distinct sources).
        caller = await websockets.connect(
            f"ws://localhost:{server_port}/ws/line/",
            additional_headers={"Origin": origin, "X-Forwarded-For": f"10.0.{n // 250}.{n % 250 + 1}"},
        )
        await expect(caller, "presence")
        await caller.send(json.dumps({"type": "hello", "caller_key": secrets.token_urlsafe(32)}))
        await expect(caller, "hello")
        await asyncio.sleep(0.05)
        started = time.perf_counter()
        await caller.send(json.dumps({"type": "call.request", "psychologist_id": psychologist_id}))
        ringing = await expect(workspace, "call.ringing")
        rings.append((time.perf_counter() - started) * 1000)
        assert ringing["type"] == "call.ringing", ringing
        await workspace.send(json.dumps({"type": "call.decline", "call_id": ringing["call_id"]}))
        unanswered = await expect(caller, "call.unanswered")
        await caller.send(json.dumps({"type": "call.hangup", "call_id": ringing["call_id"]}))
        await caller.close()
        assert unanswered["type"] == "call.unanswered", unanswered
        await asyncio.sleep(0.05)
    await workspace.close()
    return rings


def measure(samples: int, calls: int) -> dict:
    from tests.support.cast import make_psychologist
    from tests.support.live import LiveServer
    from tests.support.twofactor import verified_session_cookie

    result = gate_costs(samples) if samples else {}
    claire = make_psychologist("Claire")
    cookie = verified_session_cookie(claire)
    env = server_environment(
        ECOUTE_WRAP_UP_SECONDS="0",
        ECOUTE_CHANNEL_PREFIX=f"bench-abuse-{secrets.token_hex(3)}",
        ECOUTE_CACHE_PREFIX=f"bench-abuse-{secrets.token_hex(3)}",
        ECOUTE_TRUSTED_PROXIES="127.0.0.1",
    )
    server = LiveServer(env, name="bench-abuse").start()
    try:
        rings = asyncio.run(tap_to_ring(server.port, cookie, claire.pk, calls))
    finally:
        server.stop()
    result["tap_to_ring_sockets"] = {**percentiles(rings), "target_p95_ms": 100}
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--samples", type=int, default=500, help="0: only tap → ring (e.g. on a commit without the limits)"
    )
    parser.add_argument("--calls", type=int, default=60)  # p95 of 60: three samples beyond it
    args = parser.parse_args()
    os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/0")
    setup_django(fresh_postgres_database("ecoute_bench_abuse"))
    started = time.monotonic()
    run_conditions = conditions("1 Uvicorn process, 1 websocket client, PostgreSQL, Redis")
    result = measure(args.samples, args.calls)
    result["seconds"] = round(time.monotonic() - started, 1)
    result["conditions"] = run_conditions
    targets = Targets()
    targets.at_most("tap → ring over sockets p95", result["tap_to_ring_sockets"]["p95_ms"], 100)
    targets.enough_samples("tap → ring over sockets", result["tap_to_ring_sockets"]["n"], 0.95)
    path = save("abuse_limits", result, targets)
    print(f"{'measure':28} {'n':>5} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    for key in ("gate_first_call", "gate_with_proof", "tap_to_ring_sockets"):
        row = result.get(key)
        if row is None:
            continue
        print(f"{key:28} {row['n']:>5} {row['p50_ms']:>8} {row['p95_ms']:>8} {row['max_ms']:>8}")
    print(f"message bucket: {result.get('message_bucket_us')} µs a message  ({path})")
    print(targets.report())
    sys.exit(1 if targets.missed else 0)


if __name__ == "__main__":
    main()
