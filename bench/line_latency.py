"""The line as a caller lives it, in two real Chromium pages on loopback, media through coturn.

  tap → ring:     the caller's "call.request" leaves the page → the psychologist's page receives "call.ringing"
  accept → audio: the psychologist's "call.accept" leaves the page → the caller's page has received audio
                  bytes through the relay (and the same for the psychologist's side)

Times are taken inside the pages (performance.timeOrigin + now(): one clock for both pages on one
machine). Targets: tap → ring p95 ≤ 100 ms; accept → audio p95 ≤ 500 ms.
"""

import argparse
import os
import secrets
import sys
import time
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

# Timestamps every websocket frame in and out, before the app's own listeners run.
STAMP_FRAMES = """(() => {
  window.__frames = [];
  const stamp = (data, way) => { try { window.__frames.push([JSON.parse(data).type, performance.timeOrigin + performance.now(), way]); } catch (e) {} };
  const Native = window.WebSocket;
  window.WebSocket = class extends Native {
    constructor(...args) { super(...args); this.addEventListener("message", (m) => stamp(m.data, "in")); }
    send(data) { stamp(data, "out"); return super.send(data); }
  };
})();"""

# Records the first moment inbound audio bytes are seen on the page's current peer connection.
WATCH_AUDIO = """() => {
  window.__firstAudio = null;
  const poll = setInterval(async () => {
    const pc = window.ecoute.peerConnection();
    if (!pc) return;
    const stats = await pc.getStats();
    stats.forEach((s) => {
      if (!window.__firstAudio && s.type === "inbound-rtp" && s.kind === "audio" && s.bytesReceived > 0) {
        window.__firstAudio = performance.timeOrigin + performance.now();
        clearInterval(poll);
      }
    });
  }, 5);
}"""


def last_frame(page, kind: str, way: str) -> float:
    return page.evaluate(f"window.__frames.filter((f) => f[0] === '{kind}' && f[2] === '{way}').pop()[1]")


def measure(calls: int, backend: str) -> dict:
    from playwright.sync_api import sync_playwright

    from tests.browser.helpers import CALL_STATS, log_in_and_go_available, wait_until
    from tests.support.cast import make_psychologist
    from tests.support.live import CHROMIUM_FLAGS, LiveServer, free_port
    from tools import coturn_loopback

    claire = make_psychologist("Claire")
    turn_port, secret = free_port(), secrets.token_hex(16)
    coturn = coturn_loopback.start(turn_port, secret, min_port=49500, max_port=49600)
    # One page placing 25 calls in a row: more than a device may in 10 minutes (ecoute/abuse).
    env = server_environment(
        ECOUTE_WRAP_UP_SECONDS="0",
        ECOUTE_ABUSE_CALLS_PER_DEVICE="1000",
        ECOUTE_TURN_URLS=f"turn:127.0.0.1:{turn_port}?transport=udp",
        ECOUTE_TURN_SECRET=secret,
    )
    server = LiveServer(env, name="bench-line").start()
    rings, caller_audio, psychologist_audio, pairs = [], [], [], set()
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_FLAGS)
            contexts = [
                # In French, as the pages this script reads ("Disponible"): the browser's own language
                # is English, which the line now speaks too.
                browser.new_context(
                    base_url=server.url, permissions=["microphone"], viewport=size, locale="fr-FR"
                )
                for size in ({"width": 1280, "height": 800}, {"width": 390, "height": 844})
            ]
            for context in contexts:
                context.add_init_script(STAMP_FRAMES)
            workspace, caller = contexts[0].new_page(), contexts[1].new_page()
            workspace.goto("/espace/")
            log_in_and_go_available(workspace, claire)
            caller.goto("/")
            tap = caller.locator(f".card[data-id='{claire.pk}'] [data-call]:enabled")
            for _ in range(calls):
                tap.wait_for()
                caller.evaluate(WATCH_AUDIO)
                workspace.evaluate(WATCH_AUDIO)
                tap.click()
                workspace.locator("[data-show=ringing]:visible").wait_for()
                rings.append(
                    last_frame(workspace, "call.ringing", "in") - last_frame(caller, "call.request", "out")
                )
                workspace.click("[data-action=accept]")
                # Not wait_for_function: the pages' CSP refuses the eval() it runs in the page.
                wait_until(caller, "window.__firstAudio !== null", 15_000)
                wait_until(workspace, "window.__firstAudio !== null", 15_000)
                accepted = last_frame(workspace, "call.accept", "out")
                caller_audio.append(caller.evaluate("window.__firstAudio") - accepted)
                psychologist_audio.append(workspace.evaluate("window.__firstAudio") - accepted)
                pairs.add(caller.evaluate(CALL_STATS)["localCandidateType"])
                caller.click("#call-panel [data-show=connected] [data-action=hangup]")
                caller.locator("#call-panel[data-state=ended]").wait_for()
                caller.click("#call-panel [data-show=ended] [data-action=back]")
                workspace.wait_for_selector("#status-label:has-text('Disponible')")
            browser.close()
    finally:
        server.stop()
        coturn.terminate()
    return {
        "backend": backend,
        "tap_to_ring": {**percentiles(rings), "target_p95_ms": 100},
        "accept_to_audio_caller": {**percentiles(caller_audio), "target_p95_ms": 500},
        "accept_to_audio_psychologist": {**percentiles(psychologist_audio), "target_p95_ms": 500},
        "caller_candidate_types": sorted(pairs),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=60)  # p95 of 60: three samples beyond it
    parser.add_argument("--backend", choices=["postgresql", "sqlite"], default="postgresql")
    args = parser.parse_args()
    if args.backend == "postgresql":
        url = fresh_postgres_database("ecoute_bench_line")
    else:
        url = f"sqlite:///{Path('/tmp') / f'ecoute-bench-line-{secrets.token_hex(3)}.sqlite3'}"
    setup_django(url)
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # ORM calls between Playwright's sync steps
    started = time.monotonic()
    run_conditions = conditions("1 Uvicorn process, coturn, 2 Chromium pages, the database")
    result = measure(args.calls, args.backend)
    result["seconds"] = round(time.monotonic() - started, 1)
    result["conditions"] = run_conditions
    targets = Targets()
    for key in ("tap_to_ring", "accept_to_audio_caller", "accept_to_audio_psychologist"):
        targets.at_most(f"{key} p95", result[key]["p95_ms"], result[key]["target_p95_ms"])
        targets.enough_samples(key, result[key]["n"], 0.95)
    path = save("line_latency", result, targets)
    print(f"{'measure':32} {'n':>4} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'target':>8}")
    for key in ("tap_to_ring", "accept_to_audio_caller", "accept_to_audio_psychologist"):
        row = result[key]
        print(
            f"{key:32} {row['n']:>4} {row['p50_ms']:>8} {row['p95_ms']:>8} {row['max_ms']:>8} {row['target_p95_ms']:>8}"
        )
    print(f"caller's selected candidate: {', '.join(result['caller_candidate_types'])}  ({path})")
    print(targets.report())
    sys.exit(1 if targets.missed else 0)


if __name__ == "__main__":
    main()
