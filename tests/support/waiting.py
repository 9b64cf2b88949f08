"""Waiting in the tests for something another process does: on its progress, not on a deadline.

A fixed deadline fails a healthy run on a busy machine (CI shares two cores with the whole suite).
These waits end when the thing happens, or as soon as the process that would make it happen has
stopped; the backstop only makes a broken run stop by itself, far beyond any run's time under load.
"""

import subprocess
import time

BACKSTOP_SECONDS = 300


def wait_for(condition, *, while_running: subprocess.Popen | None = None, what: str = ""):
    """Poll CONDITION until it returns something true, and return that.

    WHILE_RUNNING: the process whose work would make it true (a caller dialling, a server); once it
    has exited the condition gets one last look, then the wait fails saying so.
    """
    backstop = time.monotonic() + BACKSTOP_SECONDS
    while time.monotonic() < backstop:
        value = condition()
        if value:
            return value
        if while_running is not None and while_running.poll() is not None:
            value = condition()
            if value:
                return value
            raise AssertionError(f"{what or 'still not true'}: the process that would do it has exited")
        time.sleep(0.1)
    raise AssertionError(f"{what or 'still not true'} after {BACKSTOP_SECONDS} s")
