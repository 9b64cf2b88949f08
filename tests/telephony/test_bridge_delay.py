"""The bridge keeps the psychologist's voice close behind for the phone caller (bench/phone_bridge.py)."""

import math
import time

from aiortc import RTCPeerConnection
from aiortc.rtp import RtpPacket

from ecoute.telephony.agent import (
    FRAME_BYTES,
    KEPT_BEHIND_BYTES,
    MOST_BEHIND_BYTES,
    NoWaitAudio,
    keep_up,
    usable_until,
    without_receiving_delay,
)


def frames(*numbers: int) -> bytearray:
    """20 ms frames, each filled with its number: which ones stayed can be read back."""
    return bytearray(b"".join(bytes([n]) * FRAME_BYTES for n in numbers))


def test_a_short_backlog_is_kept_whole():
    waiting = frames(1, 2, 3, 4)  # 80 ms: within what a busy moment leaves
    keep_up(waiting)
    assert waiting == frames(1, 2, 3, 4)


def test_after_a_stall_only_the_newest_audio_stays_so_the_delay_does_not_grow():
    waiting = frames(*range(1, 51))  # a second piled up behind a stall
    keep_up(waiting)
    assert len(waiting) == KEPT_BEHIND_BYTES < MOST_BEHIND_BYTES
    assert waiting == frames(49, 50)  # the newest 40 ms; the older audio is dropped


def packet(number: int) -> RtpPacket:
    rtp = RtpPacket(payload_type=0, sequence_number=number % 65536, timestamp=160 * number)
    rtp._data = bytes([number % 256]) * 160
    return rtp


def test_the_browsers_packets_go_on_at_once_and_late_or_repeated_ones_are_dropped():
    buffer = NoWaitAudio()
    handed = [buffer.add(packet(n))[1] for n in (65534, 65535, 0, 0, 65535, 2, 1, 3)]
    # Each packet is handed on as it comes, across the sequence numbers' wrap; a repeat, a packet
    # older than one already played, and one arriving after a newer one are dropped.
    assert [frame.data[0] if frame else None for frame in handed] == [254, 255, 0, None, None, 2, None, 3]


async def test_the_agents_receiver_holds_no_prefetch():
    peer = RTCPeerConnection()
    transceiver = peer.addTransceiver("audio")
    without_receiving_delay(transceiver)  # fails if aiortc's receiver no longer has the buffer replaced
    assert isinstance(transceiver.receiver._RTCRtpReceiver__jitter_buffer, NoWaitAudio)
    await peer.close()


def test_a_peer_prepared_while_ringing_is_used_only_while_its_relay_credentials_last():
    expiry = int(time.time()) + 3600
    ice = {"iceServers": [{"urls": ["turn:x"], "username": f"{expiry}:ab12", "credential": "c"}]}
    assert usable_until(ice) == expiry - 60
    assert usable_until({"iceServers": [{"urls": ["stun:x"]}]}) == math.inf


def test_the_frames_audio_is_read_and_written_whole_at_c_speed():
    import pjsua2 as pj

    from ecoute.telephony import frames as agent

    assert agent.VECTORS_READ_DIRECTLY  # the wheel's vectors are laid out as expected (else the slow way)
    audio = bytes(range(256)) + bytes(64)
    assert agent.vector_bytes(pj.ByteVector(audio)) == audio
    frame = pj.MediaFrame()
    agent.set_frame_audio(frame, audio)
    assert frame.buf.size() == 320 and bytes(frame.buf) == audio
    agent.set_frame_audio(frame, audio[:160])  # a shorter one replaces it whole
    assert bytes(frame.buf) == audio[:160]
    assert agent.vector_bytes(pj.ByteVector()) == b""


class Negotiated:
    def __init__(self, mime_type: str):
        self._codecs = [type("Codec", (), {"mimeType": mime_type})()]


async def test_the_callers_voice_goes_out_as_g711_packets_encoded_as_aiortc_would():
    import array
    import fractions

    from aiortc.codecs.g711 import PcmaEncoder, PcmuEncoder
    from av import AudioFrame, Packet

    from ecoute.telephony.agent import CallerVoice

    pcm = array.array("h", [(n * 397) % 20000 - 10000 for n in range(160)]).tobytes()
    for mime_type, reference in (("audio/PCMU", PcmuEncoder()), ("audio/PCMA", PcmaEncoder())):
        voice = CallerVoice()
        voice.transceiver = Negotiated(mime_type)
        voice.push(pcm)
        voice.push(pcm)
        first, second = await voice.recv(), await voice.recv()
        assert isinstance(first, Packet) and (first.pts, second.pts) == (0, 160)
        frame = AudioFrame(format="s16", layout="mono", samples=160)
        frame.planes[0].update(pcm)
        frame.sample_rate, frame.pts, frame.time_base = 8000, 0, fractions.Fraction(1, 8000)
        assert reference.pack(first) == reference.encode(frame)  # the same bytes, the same timestamp
    voice = CallerVoice()
    voice.transceiver = Negotiated("audio/opus")  # a browser that took Opus: aiortc encodes it
    voice.push(pcm)
    assert isinstance(await voice.recv(), AudioFrame)
