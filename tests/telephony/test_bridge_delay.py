"""The bridge keeps the psychologist's voice close behind for the phone caller (bench/phone_bridge.py)."""

from ecoute.telephony.agent import FRAME_BYTES, KEPT_BEHIND_BYTES, MOST_BEHIND_BYTES, keep_up


def frames(*numbers: int) -> bytearray:
    """20 ms frames, each filled with its number: which ones stayed can be read back."""
    return bytearray(b"".join(bytes([n]) * FRAME_BYTES for n in numbers))


def test_a_short_backlog_is_kept_whole():
    waiting = frames(1, 2, 3, 4, 5)  # 100 ms: within what a busy moment leaves
    keep_up(waiting)
    assert waiting == frames(1, 2, 3, 4, 5)


def test_after_a_stall_only_the_newest_audio_stays_so_the_delay_does_not_grow():
    waiting = frames(*range(1, 51))  # a second piled up behind a stall
    keep_up(waiting)
    assert len(waiting) == KEPT_BEHIND_BYTES < MOST_BEHIND_BYTES
    assert waiting == frames(48, 49, 50)  # the newest 60 ms; the older audio is dropped
