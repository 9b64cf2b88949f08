"""Phone calls answered in the real workspace: accept → audio as a psychologist meets it (bench/phone_bridge.py).

The benchmark's other psychologists are aiortc peers speaking the workspace's protocol, which is what
lets 50 of them run beside 50 calls; but accept → audio is mostly ICE and DTLS, where aiortc and a
browser differ. Here one headless Chromium runs the workspace itself (/espace/, a verified staff
session) and answers phone calls one at a time: a PJSIP caller presses 1, the workspace rings, the
psychologist presses "Décrocher" RING_SECONDS later. Measured from the moment `call.accept` leaves
the page:

* at the psychologist: the first inbound audio bytes on the page's peer connection (getStats polled
  every 5 ms from the accept, as bench/line_latency.py does);
* at the caller: the first frames of the workspace's microphone heard by the phone. Chromium's
  microphone plays a file (--use-file-for-fake-audio-capture): 100 ms of a tone at TONE_HZ every
  200 ms, which the caller finds in what it hears (bench/_tone.py, tone_runs) to the 20 ms frame,
  and at most 100 ms late if the path opens during a pause.

One machine, one clock: the page's performance.timeOrigin + now() and the caller's time.time().
"""

import array
import asyncio
import json
import math
import wave
from pathlib import Path

from bench._page_timing import FORGET_FRAMES, RANG, STAMP_FRAMES, WATCH_AUDIO

TONE_HZ = 1500  # one of bench/_tone.py's FREQUENCIES, far from the prompts' voices
TONE_RATE = 48000
STEP_SECONDS = 30

# The steps stamped on the way: the agent's offer in, the page's answer out, then ICE and DTLS.
STEPS = """(() => {
  const first = (type, way) => (window.__frames.find((f) => f[0] === type && f[2] === way) || [])[1];
  return { offer_received: first("signal", "in"), answer_sent: first("signal", "out"), ...window.__steps };
})()"""

ACCEPT_SENT = "(window.__frames.find((f) => f[0] === 'call.accept' && f[2] === 'out') || [])[1] || null"


def write_microphone(path: Path) -> Path:
    """Two seconds (Chromium loops it) of TONE_HZ, 100 ms on, 100 ms off, 16-bit mono."""
    samples = array.array("h")
    for n in range(2 * TONE_RATE):
        on = (n * 10 // TONE_RATE) % 2 == 0
        samples.append(int(12000 * math.sin(2 * math.pi * TONE_HZ * n / TONE_RATE)) if on else 0)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(TONE_RATE)
        out.writeframes(samples.tobytes())
    return path


async def until(page, expression: str, what: str) -> None:
    """Until EXPRESSION is true in PAGE (looked at every 50 ms); STEP_SECONDS stops a run that no longer moves."""
    for _ in range(STEP_SECONDS * 20):
        if await page.evaluate(expression):
            return
        await asyncio.sleep(0.05)
    raise RuntimeError(f"the workspace: {what} did not happen in {STEP_SECONDS} s")


async def workspace_rounds(callers, base_url: str, cookie: str, calls: int, ring_seconds: float) -> dict:
    """CALLS phone calls from CALLERS (a bench/phone_bridge.py Callers) answered in one Chromium workspace."""
    from playwright.async_api import async_playwright

    from tests.support.live import CHROMIUM, CHROMIUM_FLAGS

    microphone = write_microphone(callers.processes.folder / "workspace-microphone.wav")
    found = {
        "at_psychologist": [],
        "at_caller": [],
        "calls_that_never_rang": 0,
        "calls_not_heard_by_caller": 0,
        "steps_at_psychologist": {},
    }
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[*CHROMIUM_FLAGS, f"--use-file-for-fake-audio-capture={microphone}"],
        )
        context = await browser.new_context(base_url=base_url, permissions=["microphone"], locale="fr-FR")
        await context.add_cookies([{"name": "sessionid", "value": cookie, "url": base_url}])
        await context.add_init_script(STAMP_FRAMES)
        page = await context.new_page()
        await page.goto("/espace/")
        try:
            for _ in range(calls):
                await answer_one_call(page, callers, ring_seconds, found)
            await page.click("[data-status=offline]")
            await asyncio.sleep(0.5)  # the status reaches the server before the page closes
        finally:
            await browser.close()
    callers.running = []
    return found


async def answer_one_call(page, callers, ring_seconds: float, found: dict) -> None:
    """Available, a phone call rings, accepted RING_SECONDS later; its figures added to FOUND."""
    await page.click("[data-status=available]")
    await until(
        page, "document.getElementById('status-label').textContent.includes('Disponible')", "available"
    )
    await page.evaluate(FORGET_FRAMES)
    process, stats = callers.add(calls=1)
    try:
        await until(page, RANG, "the ring")
    except RuntimeError:  # counted, and `make bench` says so; the run goes on with the next call
        if failed := callers.processes.failed("agent-"):  # unless an agent died: no call would ring
            raise RuntimeError(f"a media agent died: {', '.join(failed)}") from None
        found["calls_that_never_rang"] += 1
        await asyncio.get_running_loop().run_in_executor(None, process.wait, 60)
        return
    await asyncio.sleep(ring_seconds)
    await page.evaluate(WATCH_AUDIO)
    await page.click("[data-action=accept]")
    await until(page, "window.__firstAudio !== null", "audio at the psychologist")
    accepted = await page.evaluate(ACCEPT_SENT)
    found["at_psychologist"].append(await page.evaluate("window.__firstAudio") - accepted)
    for step, at in (await page.evaluate(STEPS)).items():
        if at:
            found["steps_at_psychologist"].setdefault(step, []).append(at - accepted)
    await asyncio.get_running_loop().run_in_executor(None, process.wait, 60)  # the caller hangs up
    heard = first_tone_after(stats, accepted / 1000)
    if heard is None:
        found["calls_not_heard_by_caller"] += 1
    else:
        found["at_caller"].append(1000 * (heard - accepted / 1000))
    await until(page, "!window.ecoute.peerConnection()", "the hang-up")


def first_tone_after(stats: Path, accepted: float) -> float | None:
    """When the caller of STATS (one call) first heard the workspace's tone after ACCEPTED."""
    (call,) = json.loads(stats.read_text())["calls"]
    return next(
        (at for at, frequency in sorted(call.get("tone_runs", [])) if frequency == TONE_HZ and at > accepted),
        None,
    )
