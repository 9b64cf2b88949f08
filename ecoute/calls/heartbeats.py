"""The apps' heartbeats: noted by their socket, written together once a second by each server process.

A heartbeat is the line's most frequent message (every waiting caller's app, every open workspace).
Each used to be one UPDATE that its socket awaited in the process's single database thread; and a
socket handles its messages one at a time. On a busy machine that thread runs seconds behind: a
workspace whose heartbeats came faster than they were written fell further behind with every one,
and the ring meant for its psychologist, then their answer, waited behind them past the ring
timeout. Every ring was missed and the line answered no one while every listener was there
(tests/calls/test_line_under_load.py, under CPU contention). Here a socket only notes its heartbeat
and goes on; one task per process writes those of the last second in a few statements, and tells
the workspaces whose window was replaced meanwhile.
"""

import asyncio
import logging

from channels.db import database_sync_to_async

from ecoute.presence import actions as presence

from . import actions

logger = logging.getLogger(__name__)
WRITE_EVERY_SECONDS = 1.0


class Heartbeats:
    def __init__(self) -> None:
        self.calls: set = set()
        self.workspaces: dict = {}  # consumer -> (user id, session)
        self._writer: asyncio.Task | None = None

    def caller(self, call_id) -> None:
        """The caller of CALL_ID is there (their app, through its socket)."""
        self.calls.add(call_id)
        self._start()

    def workspace(self, consumer, user_id: int, session: str) -> None:
        """CONSUMER's workspace is alive; if another window speaks for its psychologist by then,
        its session_replaced() is called."""
        self.workspaces[consumer] = (user_id, session)
        self._start()

    def _start(self) -> None:
        loop = asyncio.get_running_loop()
        # A writer of another event loop (a test's, a restarted worker's) never runs again here.
        if self._writer is None or self._writer.done() or self._writer.get_loop() is not loop:
            self._writer = loop.create_task(self._write_while_any())

    async def _write_while_any(self) -> None:
        while self.calls or self.workspaces:
            await asyncio.sleep(WRITE_EVERY_SECONDS)
            calls, self.calls = self.calls, set()
            workspaces, self.workspaces = self.workspaces, {}
            try:
                owned = await database_sync_to_async(_write)(calls, set(workspaces.values()))
            except Exception:  # the next second writes the next ones; a missed second is within every timeout
                logger.exception("the heartbeats of this second could not be written")
                continue
            for consumer, pair in workspaces.items():
                if pair not in owned:
                    try:
                        await consumer.session_replaced()
                    except Exception:  # closed meanwhile: nothing to tell
                        pass


def _write(calls: set, workspaces: set) -> set:
    """Write the heartbeats; returns the (user id, session) pairs still speaking for their psychologist."""
    if calls:
        actions.callers_present(calls)
    return presence.heartbeats(workspaces)


# One per server process.
heartbeats = Heartbeats()
