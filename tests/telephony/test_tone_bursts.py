"""The tone bursts that time the phone bridge (bench/_tone.py): what one end says, the other times."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from _tone import FRAME_SAMPLES, FREQUENCIES, SILENCE, Listener, Sender, delays_ms  # noqa: E402


def said(sender: Sender, frames: int) -> list[bytes]:
    return [sender.next_frame() for _ in range(frames)]


@pytest.mark.parametrize("frequency", FREQUENCIES)
def test_each_call_is_told_apart_by_the_frequency_it_says(frequency):
    listener = Listener()
    for n, frame in enumerate(said(Sender(frequency), 100)):
        listener.hear(frame, at=n * 0.02)
    assert [f for _, f in listener.heard] == [frequency, frequency]
    assert [round(t, 3) for t, _ in listener.heard] == [0.0, 1.0]  # one burst a second


def test_a_burst_is_timed_to_the_sample_whatever_the_delay():
    heard_late = bytes(2 * 40) + Sender(1000).next_frame()[: 2 * (FRAME_SAMPLES - 40)]  # 5 ms late
    listener = Listener()
    listener.hear(SILENCE, at=10.0)
    listener.hear(heard_late, at=10.02)
    listener.hear(Sender(1000).next_frame(), at=10.04)
    assert listener.heard == [(pytest.approx(10.025, abs=1 / 8000), 1000)]  # within a sample


def test_an_eager_sender_says_five_bursts_in_its_first_second_then_one_a_second():
    sender = Sender(500, eager=True)
    frames = said(sender, 150)
    starts = [
        n for n, frame in enumerate(frames) if frame != SILENCE and (n == 0 or frames[n - 1] == SILENCE)
    ]
    assert starts == [0, 10, 20, 30, 40, 50, 100]  # frames of 20 ms: every 200 ms, then every second
    assert len(sender.sent) == 7 and sender.steady_from() == pytest.approx(sender.sent[0] + 0.99)


def test_each_arrival_is_paired_with_the_last_burst_sent_before_it_and_no_older():
    sent = [0.0, 1.0, 2.0]
    assert delays_ms(sent, [0.12, 1.3, 2.99]) == pytest.approx([120, 300, 990])
    assert delays_ms(sent, [0.5, 1.1], after=1.0) == pytest.approx([100])  # before AFTER: not counted
    assert delays_ms([0.0], [1.5]) == []  # more than a period late: cannot be told from the next one


def test_a_steady_tone_is_timed_to_the_frame_even_right_after_other_sound():
    """The workspace's microphone (bench/_phone_workspace.py) starts while a prompt may still be heard:
    its tone is noted where it starts, without the quiet a burst needs first."""
    listener = Listener()
    prompt, tone = Sender(500), Sender(1500)
    for n in range(3):  # a louder other sound just before: the burst onsets would miss what follows
        listener.hear(prompt.next_frame(), at=n * 0.02)
    for n in range(3, 8):
        listener.hear(tone.next_frame() if n < 6 else SILENCE, at=n * 0.02)
    assert listener.tone_runs == [(0.0, 500), (pytest.approx(0.06), 1500)]
    assert [f for _, f in listener.heard] == [500]  # the bursts' own timing is unchanged


def test_a_single_loud_frame_is_not_a_tone():
    listener = Listener()
    listener.hear(Sender(1000).next_frame(), at=0.0)
    listener.hear(SILENCE, at=0.02)
    assert listener.tone_runs == []


def test_when_an_eager_senders_first_burst_is_masked_the_next_one_is_heard():
    """Sound just before (a prompt's end) hides the first burst's onset: the second, 200 ms later, is timed."""
    listener, prompt, sender = Listener(), Sender(500), Sender(1000, eager=True)
    frames = said(prompt, 3) + [SILENCE] + said(sender, 20)
    for n, frame in enumerate(frames):
        listener.hear(frame, at=n * 0.02)
    assert [(round(t, 3), f) for t, f in listener.heard] == [(0.0, 500), (0.28, 1000)]
