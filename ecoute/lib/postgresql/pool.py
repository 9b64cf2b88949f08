"""The per-process pool of PostgreSQL connections, and its health check at most once a second.

Django's ASGI handler runs each HTTP request in a thread of its own, and a persistent connection
belongs to its thread: without a pool every request opened a PostgreSQL connection (its setup and
authentication before its own queries), and 50 psychologists saving at once were 50 connections,
past what PostgreSQL allows ("too many clients", docs/performance.md). The pool keeps up to
ECOUTE_DB_POOL_SIZE connections per process and lends one to each request or websocket action.

The pool checks a connection before lending it; checking it on every loan was a round trip per
websocket message (most of a board snapshot's cost), so a connection that answered less than
HEALTH_CHECK_SECONDS ago is lent unchecked. If PostgreSQL restarted within that second the first
query fails, the pool drops the broken connection when it is given back, and the next loan gets a
new one: what an unchecked connection would cost, once.
"""

import time
import weakref

from psycopg_pool import ConnectionPool

HEALTH_CHECK_SECONDS = 1.0
# When each pooled connection last answered a check (weak: a connection closed by the pool goes).
_checked_at: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def check_at_most_once_a_second(connection) -> None:
    """The pool's check before a loan: raises if the connection is dead (the pool then replaces it)."""
    now = time.monotonic()
    if now - _checked_at.get(connection, -HEALTH_CHECK_SECONDS) < HEALTH_CHECK_SECONDS:
        return
    ConnectionPool.check_connection(connection)
    _checked_at[connection] = now


def forget_check(connection) -> None:
    """Make the next loan of CONNECTION check it (tests: as if it had been quiet for a second)."""
    _checked_at.pop(connection, None)


def pool_options(size: int) -> dict:
    """Django's OPTIONS["pool"] for SIZE connections at most in this process (the check is base.py's)."""
    return {
        "min_size": min(2, size),
        "max_size": size,
        # A request waits this long for a free connection before failing (a clear error, not a hang).
        "timeout": 10,
        # A connection idle for ten minutes is closed, down to min_size.
        "max_idle": 600,
    }
