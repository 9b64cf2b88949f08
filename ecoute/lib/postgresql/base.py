"""Django's PostgreSQL backend, its connection health check made at most once a second.

Django checks a persistent connection (`SELECT 1`) the first time it is used in each request, and
every websocket message handled through Channels' database_sync_to_async counts as a request: a
board snapshot for each of thousands of watchers, each caller's request in a surge, each paid a round
trip to PostgreSQL (59 % of a board snapshot's cost, docs/performance.md). A connection that
answered less than HEALTH_CHECK_SECONDS ago is taken as alive. If PostgreSQL restarted within that
second, the first query fails, Django closes the broken connection at the end of that request
(errors_occurred), and the next one connects afresh: what an unchecked connection would cost, once.
"""

import time

from django.db.backends.postgresql import base

HEALTH_CHECK_SECONDS = 1.0


class DatabaseWrapper(base.DatabaseWrapper):
    checked_at = 0.0

    def close_if_health_check_failed(self):
        if self.connection is not None and time.monotonic() - self.checked_at < HEALTH_CHECK_SECONDS:
            self.health_check_done = True
            return
        super().close_if_health_check_failed()
        self.checked_at = time.monotonic()

    def connect(self):
        super().connect()
        self.checked_at = time.monotonic()  # a new connection has just answered
