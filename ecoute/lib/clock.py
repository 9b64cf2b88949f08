"""The line's one clock: real time in production, simulated time in the service-level simulator.

The call and presence actions, the router and the timers read the time only through now(), so the
simulator (ecoute/calls/simulator/) can drive the real actions through a simulated week in
seconds without patching them.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime

from django.utils import timezone

_source: Callable[[], datetime] = timezone.now


def now() -> datetime:
    return _source()


@contextmanager
def using(source: Callable[[], datetime]) -> Iterator[None]:
    """Read the time from SOURCE (a function returning an aware datetime) inside the block."""
    global _source
    previous, _source = _source, source
    try:
        yield
    finally:
        _source = previous
