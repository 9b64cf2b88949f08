"""Tone bursts to time audio between two ends of a phone call (bench/phone_bridge.py).

Each end sends 60 ms bursts once a second, at a frequency that names the sender among the calls of
a round (the far end learns which call it is on from the frequency it hears), and notes the moment
each burst left; it notes the moment each burst arrived. All ends run on one machine: time.time()
is one clock for every process. Pure Python on 20 ms frames of 8 kHz 16-bit mono PCM, the phone
network's audio (G.711 carries it as is).
"""

import array
import math
import time

RATE = 8000
FRAME_SAMPLES = 160  # 20 ms
PERIOD_FRAMES = 50  # one burst a second: a delay up to 0.94 s is still paired with the right burst
BURST_FRAMES = 3  # 60 ms
# One frequency per call of a round: zero crossings in a 20 ms frame are 2 x f x 0.02 (20, 40, 60, 100).
FREQUENCIES = (500, 1000, 1500, 2500)
LOUD = 2000  # a sample louder than this is a burst (the bursts peak at 12000; G.711 noise is < 100)
# 120 ms of quiet before a new burst can start: less than the 140 ms between an eager sender's
# bursts, so that when its first burst is lost the next one is timed (with 200 ms none was, and the
# first burst timed was a second later).
QUIET_FRAMES = 6


def burst_frame(frequency: float, frame_index: int) -> bytes:
    """The FRAME_INDEX-th 20 ms of a continuous sine at FREQUENCY, peak 12000."""
    start = frame_index * FRAME_SAMPLES
    return array.array(
        "h",
        (int(12000 * math.sin(2 * math.pi * frequency * (start + i) / RATE)) for i in range(FRAME_SAMPLES)),
    ).tobytes()


SILENCE = bytes(FRAME_SAMPLES * 2)


EAGER_PERIOD_FRAMES = 10  # an eager sender's first second: a burst every 200 ms


class Sender:
    """What one end says: a burst at FREQUENCY every second, from its first frame; when each one left.

    An EAGER sender says five bursts in its first second (every 200 ms), so that the first audio to
    arrive is timed within 200 ms even if the very first burst is lost; those five are not used to
    time the delay (a delay over 200 ms could not be paired with the right one): see delays_ms's AFTER.
    """

    def __init__(self, frequency: float, eager: bool = False):
        self.frequency, self.eager = frequency, eager
        self.frames = 0
        self.sent: list[float] = []  # time.time() of each burst's first frame

    def next_frame(self) -> bytes:
        period = EAGER_PERIOD_FRAMES if self.eager and self.frames < PERIOD_FRAMES else PERIOD_FRAMES
        place = self.frames % period
        self.frames += 1
        if place == 0:
            self.sent.append(time.time())
        if place < BURST_FRAMES:
            return burst_frame(self.frequency, place)
        return SILENCE

    def steady_from(self) -> float:
        """When its bursts come once a second (an eager sender's first second is over)."""
        if not self.sent:
            return 0.0
        return self.sent[0] + (PERIOD_FRAMES * 0.02 - 0.01 if self.eager else 0.0)


class Listener:
    """What one end hears: each burst's arrival (to the sample) and its frequency; frames counted."""

    def __init__(self):
        self.frames = 0
        self.first_frame_at: float | None = None
        self.heard: list[tuple[float, int]] = []  # (time.time() of the onset, frequency heard)
        # Where a steady tone starts: (time.time() of its first frame, frequency) for each run of loud
        # frames of one frequency, told apart without the quiet a burst needs first, so that a tone
        # following other sound (a prompt) is timed to the frame. Runs of one frame are not noted.
        self.tone_runs: list[tuple[float, int]] = []
        self._run: tuple[float, int, int] | None = None  # (start, frequency, frames) of the current run
        self._quiet = QUIET_FRAMES
        self._pending: float | None = None  # an onset whose frequency is told by the next frame

    def hear(self, pcm: bytes, at: float | None = None) -> None:
        at = time.time() if at is None else at
        self.frames += 1
        if self.first_frame_at is None:
            self.first_frame_at = at
        samples = array.array("h", pcm[: len(pcm) - len(pcm) % 2])
        loud = next((i for i, sample in enumerate(samples) if abs(sample) > LOUD), None)
        if loud is None:
            self._quiet += 1
            self._run = None
            return
        self._follow_run(at, nearest_frequency(samples))
        if self._pending is not None:  # the burst's second frame: a whole frame of it, to count crossings
            self.heard.append((self._pending, nearest_frequency(samples)))
            self._pending = None
        elif self._quiet >= QUIET_FRAMES:
            self._pending = at + loud / RATE
        self._quiet = 0

    def _follow_run(self, at: float, frequency: int) -> None:
        start, same, frames = self._run if self._run else (at, frequency, 0)
        if same != frequency:
            start, frames = at, 0
        self._run = (start, frequency, frames + 1)
        if frames + 1 == 2:
            self.tone_runs.append((start, frequency))


def nearest_frequency(samples) -> int:
    crossings = sum(1 for a, b in zip(samples, samples[1:]) if (a < 0) != (b < 0))
    measured = crossings * RATE / (2 * len(samples))
    return min(FREQUENCIES, key=lambda f: abs(f - measured))


def delays_ms(sent: list[float], heard: list[float], after: float = 0.0) -> list[float]:
    """Each burst heard after AFTER, paired with the last burst sent before it (less than a period)."""
    delays = []
    ordered = sorted(sent)
    for onset in heard:
        if onset < after:
            continue
        before = [moment for moment in ordered if moment <= onset]
        if before and onset - before[-1] < PERIOD_FRAMES * 0.02:
            delays.append(1000 * (onset - before[-1]))
    return delays
