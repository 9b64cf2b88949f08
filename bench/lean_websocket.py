"""A minimal websocket client for load tests: thousands of watchers in one process on shared cores.

A full client library parses and queues every frame in Python; here a watcher is an asyncio
protocol that does the opening handshake, reads frame headers only to find their ends, answers the
server's pings (so the connection lives), and notes the moment a frame containing a marker arrives.
Server frames are never masked (RFC 6455), which is what makes this cheap.
"""

import asyncio
import base64
import os
import struct
import time

import uvloop

PING, PONG, TEXT, CLOSE = 0x9, 0xA, 0x1, 0x8


def use_a_fast_event_loop() -> None:
    """The load client's event loops are uvloop's, as the servers' are (Uvicorn picks it).

    With Python's own loop the one client process spent more time reading 10,000 sockets than the
    servers spent writing to them, and its lag on a busy machine was counted as the fan-out's.
    """
    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())


class Watcher(asyncio.Protocol):
    def __init__(self, host: str, path: str, origin: str, headers: dict | None = None):
        key = base64.b64encode(os.urandom(16)).decode()
        extra = "".join(f"{name}: {value}\r\n" for name, value in (headers or {}).items())
        self.request = (
            f"GET {path} HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\nOrigin: {origin}\r\n{extra}\r\n"
        ).encode()
        self.buffer = b""
        self.upgraded = False
        self.first_frame = asyncio.get_running_loop().create_future()
        self.markers: tuple[bytes, ...] = ()
        self.seen: asyncio.Future | None = None

    def connection_made(self, transport):
        self.transport = transport
        transport.write(self.request)

    def data_received(self, data: bytes):
        self.buffer += data
        if not self.upgraded:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            if b" 101 " not in self.buffer[:end].split(b"\r\n")[0]:
                self.first_frame.set_exception(ConnectionError(self.buffer[:end].decode(errors="replace")))
                return
            self.upgraded, self.buffer = True, self.buffer[end + 4 :]
        self._read_frames()

    def _read_frames(self):
        while len(self.buffer) >= 2:
            opcode, length, start = self.buffer[0] & 0x0F, self.buffer[1] & 0x7F, 2
            if length == 126:
                if len(self.buffer) < 4:
                    return
                length, start = struct.unpack("!H", self.buffer[2:4])[0], 4
            elif length == 127:
                if len(self.buffer) < 10:
                    return
                length, start = struct.unpack("!Q", self.buffer[2:10])[0], 10
            if len(self.buffer) < start + length:
                return
            payload, self.buffer = self.buffer[start : start + length], self.buffer[start + length :]
            self._frame(opcode, payload)

    def _frame(self, opcode: int, payload: bytes):
        if opcode == PING:
            self._send(PONG, payload)
        elif opcode == TEXT:
            if not self.first_frame.done():
                self.first_frame.set_result(payload)
            elif self.seen and not self.seen.done() and any(m in payload for m in self.markers):
                self.seen.set_result(time.perf_counter())

    def _send(self, opcode: int, payload: bytes):
        mask = os.urandom(4)  # frames from a client must be masked
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        if len(payload) < 126:
            header = bytes([0x80 | opcode, 0x80 | len(payload)])
        else:
            header = bytes([0x80 | opcode, 0x80 | 126]) + struct.pack("!H", len(payload))
        self.transport.write(header + mask + masked)

    def send_text(self, text: str):
        self._send(TEXT, text.encode())

    def expect(self, *markers: bytes) -> asyncio.Future:
        """A future set to the perf_counter() moment a text frame containing one of MARKERS arrives."""
        self.markers, self.seen = markers, asyncio.get_running_loop().create_future()
        return self.seen

    def close(self):
        self._send(CLOSE, struct.pack("!H", 1000))
        self.transport.close()


async def open_watcher(port: int, path: str, headers: dict | None = None) -> Watcher:
    loop = asyncio.get_running_loop()
    _, watcher = await loop.create_connection(
        lambda: Watcher(f"localhost:{port}", path, f"http://localhost:{port}", headers), "127.0.0.1", port
    )
    await asyncio.wait_for(watcher.first_frame, 60)
    return watcher
