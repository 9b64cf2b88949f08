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
from bench._page_timing import FORGET_FRAMES, RANG, STAMP_FRAMES, WATCH_AUDIO  # noqa: E402
from bench._support import (  # noqa: E402
    Targets,
    conditions,
    fresh_postgres_database,
    percentiles,
    save,
    server_environment,
    setup_django,
)

# How long a step of one call may take before the run stops and says what each page saw.
STEP_SECONDS = 30


class LineFailed(Exception):
    """A call that did not go through as a caller lives it: the run stops, naming the call and the step."""


def frames(page, kind: str, way: str) -> list[float]:
    return page.evaluate(
        f"window.__frames.filter((f) => f[0] === '{kind}' && f[2] === '{way}').map((f) => f[1])"
    )


def only_frame(page, kind: str, way: str, number: int) -> float:
    """The time of this call's one KIND frame going WAY; more than one means the app had to send it again."""
    found = frames(page, kind, way)
    if len(found) != 1:
        raise LineFailed(f"call {number}: {len(found)} '{kind}' frames {way} instead of one\n{seen(page)}")
    return found[0]


def refusals(page) -> list[str]:
    """The codes of the errors the line sent this call (proof_required, slow_down, too_many_calls…)."""
    return page.evaluate("window.__frames.filter((f) => f[0] === 'error').map((f) => f[3])")


def seen(*pages) -> str:
    """What each page sent and received during this call, for the failure's message."""
    lines = []
    for page in pages:
        sent = [
            f"{way} {kind}" + (f" ({code})" if code else "")
            for kind, _, way, code in page.evaluate("window.__frames")
        ]
        lines.append(f"  {page.url}: {', '.join(sent) or 'nothing'}")
    return "\n".join(lines)


def await_ring(caller, workspace, number: int) -> None:
    """Until the workspace has received call.ringing and shows it; fails at once if the line refused the tap.

    Not the ringing panel alone: the workspace's presence.self ("ringing") arrives a moment before
    call.ringing and already shows the panel (a run stopped there, call.ringing not yet received), and
    its Accept does nothing until call.ringing brings the call's id.
    """
    deadline = time.monotonic() + STEP_SECONDS
    # Looked at every 100 ms: the figure is timed inside the pages, and looking more often would
    # take CPU from the pages and the server being measured.
    while not workspace.evaluate(RANG):
        refused = refusals(caller)
        if refused:
            raise LineFailed(
                f"call {number}: the line refused the tap ({', '.join(refused)})\n{seen(caller, workspace)}"
            )
        if time.monotonic() > deadline:
            raise LineFailed(f"call {number}: no ring in {STEP_SECONDS} s\n{seen(caller, workspace)}")
        time.sleep(0.1)


# One device on one address placing 60 calls a second or two apart is, to the abuse gate
# (ecoute/abuse), a script: past 10 calls it refuses the device, past 20 a minute it holds the address
# back, every call within 10 s of another owes a proof of work that doubles with each one (a minute of
# Chromium's time by the 24th call, which is why the workspace "never rang"), and its socket's
# messages (a call's request, signals, hang-up and hello) go past 5 a second (slow_down). A caller
# calls once; the gate and the bucket still run in full for every call here (the gate's counts in
# Redis are part of tap → ring), their limits are only set beyond what this one caller's 60 calls
# reach. bench/abuse_limits.py measures them.
ONE_CALLER_MANY_CALLS = {
    "ECOUTE_ABUSE_CALLS_PER_DEVICE": "1000",
    "ECOUTE_ABUSE_CALLS_PER_SOURCE": "1000",
    "ECOUTE_ABUSE_FREE_CALLS_PER_SOURCE": "1000",
    "ECOUTE_ABUSE_MESSAGES_PER_SECOND": "100",
}


def measure(calls: int, backend: str) -> dict:
    from playwright.sync_api import sync_playwright

    from tests.support.cast import make_psychologist
    from tests.support.live import CHROMIUM_FLAGS, LiveServer, free_port
    from tools import coturn_loopback

    claire = make_psychologist("Claire")
    turn_port, secret = free_port(), secrets.token_hex(16)
    coturn = coturn_loopback.start(turn_port, secret, min_port=49500, max_port=49600)
    env = server_environment(
        ECOUTE_WRAP_UP_SECONDS="0",
        ECOUTE_TURN_URLS=f"turn:127.0.0.1:{turn_port}?transport=udp",
        ECOUTE_TURN_SECRET=secret,
        **ONE_CALLER_MANY_CALLS,
    )
    server = LiveServer(env, name="bench-line").start()
    samples = {
        "tap_to_ring": [],
        "accept_to_audio_caller": [],
        "accept_to_audio_psychologist": [],
        "relayed": [],
    }
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_FLAGS)
            caller, workspace = open_pages(browser, server.url, claire)
            for number in range(1, calls + 1):
                for name, value in one_call(caller, workspace, claire, number).items():
                    samples[name].append(value)
            browser.close()
    finally:
        server.stop()
        coturn.terminate()
    return {
        "backend": backend,
        "calls": calls,
        "tap_to_ring": {**percentiles(samples["tap_to_ring"]), "target_p95_ms": 100},
        "accept_to_audio_caller": {**percentiles(samples["accept_to_audio_caller"]), "target_p95_ms": 500},
        "accept_to_audio_psychologist": {
            **percentiles(samples["accept_to_audio_psychologist"]),
            "target_p95_ms": 500,
        },
        "calls_relayed_by_coturn": samples["relayed"].count(True),
        "limits_raised_for_one_caller": ONE_CALLER_MANY_CALLS,
    }


def open_pages(browser, url: str, psychologist):
    """The caller's phone-sized page on the board, and the psychologist's workspace, available."""
    from tests.browser.helpers import log_in_and_go_available

    contexts = [
        # In French, as the pages this script reads ("Disponible"): the browser's own language
        # is English, which the line now speaks too.
        browser.new_context(base_url=url, permissions=["microphone"], viewport=size, locale="fr-FR")
        for size in ({"width": 1280, "height": 800}, {"width": 390, "height": 844})
    ]
    for context in contexts:
        context.add_init_script(STAMP_FRAMES)
    workspace, caller = contexts[0].new_page(), contexts[1].new_page()
    workspace.goto("/espace/")
    log_in_and_go_available(workspace, psychologist)
    caller.goto("/")
    return caller, workspace


def one_call(caller, workspace, psychologist, number: int) -> dict:
    """Tap, ring, accept, audio both ways, hang up, the psychologist available again: this call's figures."""
    from tests.browser.helpers import CALL_STATS, wait_until

    tap = caller.locator(f".card[data-id='{psychologist.pk}'] [data-call]:enabled")
    tap.wait_for(timeout=STEP_SECONDS * 1000)
    caller.evaluate(FORGET_FRAMES)
    workspace.evaluate(FORGET_FRAMES)
    tap.click()
    await_ring(caller, workspace, number)
    ringing = only_frame(workspace, "call.ringing", "in", number) - only_frame(
        caller, "call.request", "out", number
    )
    caller.evaluate(WATCH_AUDIO)
    workspace.evaluate(WATCH_AUDIO)
    workspace.click("[data-action=accept]")
    for page in (caller, workspace):
        try:
            # Not wait_for_function: the pages' CSP refuses the eval() it runs in the page.
            wait_until(page, "window.__firstAudio !== null", STEP_SECONDS * 1000)
        except AssertionError:
            raise LineFailed(
                f"call {number}: no audio in {STEP_SECONDS} s\n{seen(caller, workspace)}"
            ) from None
    accepted = only_frame(workspace, "call.accept", "out", number)
    relayed = all(page.evaluate(CALL_STATS)["localCandidateType"] == "relay" for page in (caller, workspace))
    figures = {
        "tap_to_ring": ringing,
        "accept_to_audio_caller": caller.evaluate("window.__firstAudio") - accepted,
        "accept_to_audio_psychologist": workspace.evaluate("window.__firstAudio") - accepted,
        "relayed": relayed,
    }
    caller.click("#call-panel [data-show=connected] [data-action=hangup]")
    caller.locator("#call-panel[data-state=ended]").wait_for(timeout=STEP_SECONDS * 1000)
    caller.click("#call-panel [data-show=ended] [data-action=back]")
    workspace.wait_for_selector("#status-label:has-text('Disponible')", timeout=STEP_SECONDS * 1000)
    refused = refusals(caller)
    if refused:
        raise LineFailed(
            f"call {number}: the line sent the caller {', '.join(refused)}\n{seen(caller, workspace)}"
        )
    return figures


def stop_on(failure: LineFailed, calls: int, run_conditions: dict) -> None:
    """A call that did not go through: the run's results say which and why, and `make bench` names it."""
    targets = Targets()
    targets.equal("calls that went through", str(failure).splitlines()[0], calls)
    save("line_latency", {"error": str(failure), "conditions": run_conditions}, targets)
    print(failure)
    print(targets.report())
    sys.exit(1)


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
    try:
        result = measure(args.calls, args.backend)
    except LineFailed as failure:
        stop_on(failure, args.calls, run_conditions)
    result["seconds"] = round(time.monotonic() - started, 1)
    result["conditions"] = run_conditions
    result["load_average_at_end"] = Path("/proc/loadavg").read_text().split()[:3]
    targets = Targets()
    # Every call's media through coturn, as in production: the selected candidate is "relay" on both pages.
    targets.equal("calls relayed by coturn", result["calls_relayed_by_coturn"], args.calls)
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
    print(f"calls relayed by coturn: {result['calls_relayed_by_coturn']} of {args.calls}  ({path})")
    print(targets.report())
    sys.exit(1 if targets.missed else 0)


if __name__ == "__main__":
    main()
