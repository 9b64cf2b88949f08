"""PJSIP frames' audio in and out of Python at C speed (the media agent's bridge, the benchmark's peers).

The bindings' own conversion of a frame's ByteVector goes element by element: 1.7 ms (load ~10) for 20 ms of
audio, 50 times a second each way per call, most of a bridged call's CPU (py-spy,
docs/performance.md). A C++ std::vector starts with its data's begin and end pointers (libstdc++,
the wheel's ABI): VECTORS_READ_DIRECTLY checks that once at import, else the slow way is kept.
"""

import ctypes

import pjsua2 as pj


def vector_bytes(vector) -> bytes:
    """The bytes of a PJSIP ByteVector (a frame's audio)."""
    if not VECTORS_READ_DIRECTLY:
        return bytes(vector)
    address = int(vector.this)
    begin = ctypes.c_void_p.from_address(address).value
    end = ctypes.c_void_p.from_address(address + ctypes.sizeof(ctypes.c_void_p)).value
    return ctypes.string_at(begin, end - begin) if begin else b""


def set_frame_audio(frame, data: bytes) -> None:
    """Put DATA in a PJSIP frame's ByteVector in place, at C speed."""
    if not VECTORS_READ_DIRECTLY:
        frame.buf = pj.ByteVector(data)
        return
    vector = frame.buf
    vector.resize(len(data))
    ctypes.memmove(ctypes.c_void_p.from_address(int(vector.this)).value, data, len(data))


def _vectors_laid_out_as_expected() -> bool:
    global VECTORS_READ_DIRECTLY
    VECTORS_READ_DIRECTLY = True
    sample = bytes(range(256)) * 2
    try:
        # The two words are read as pointers only once they prove to span the vector's own size:
        # read through pointers of another layout, the check would crash the process, not fail.
        vector = pj.ByteVector(sample)
        words = (ctypes.c_void_p * 2).from_address(int(vector.this))
        begin, end = words[0] or 0, words[1] or 0
        if not begin or end - begin != vector.size():
            raise ValueError("ByteVector is not laid out as begin and end pointers")
        ok = vector_bytes(vector) == sample
        frame = pj.MediaFrame()
        set_frame_audio(frame, sample[:320])
        ok = ok and bytes(frame.buf) == sample[:320]
    except (TypeError, ValueError, OSError):
        ok = False
    VECTORS_READ_DIRECTLY = ok
    return ok


VECTORS_READ_DIRECTLY = False
_vectors_laid_out_as_expected()
