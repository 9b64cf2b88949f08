"""Django's PostgreSQL backend, its connection health check made at most once a second.

Django checks a persistent connection (`SELECT 1`) the first time it is used in each request, and
every websocket message handled through Channels' database_sync_to_async counts as a request: a
board snapshot for each of thousands of watchers, each caller's request in a surge, each paid a round
trip to PostgreSQL (59 % of a board snapshot's cost, docs/performance.md). A connection that
answered less than HEALTH_CHECK_SECONDS ago is taken as alive. If PostgreSQL restarted within that
second, the first query fails, Django closes the broken connection at the end of that request
(errors_occurred), and the next one connects afresh: what an unchecked connection would cost, once.

With the pool (OPTIONS["pool"], pool.py) the same rule holds for each pooled connection: the pool
checks it before a loan, at most once a second.
"""

import time

from django.core.exceptions import ImproperlyConfigured
from django.db.backends.base.base import NO_DB_ALIAS
from django.db.backends.postgresql import base

from .pool import HEALTH_CHECK_SECONDS, check_at_most_once_a_second


class DatabaseWrapper(base.DatabaseWrapper):
    checked_at = 0.0

    @property
    def pool(self):
        """Django's pool, made the same way, with the once-a-second check instead of one per loan."""
        options = self.settings_dict["OPTIONS"].get("pool")
        if self.alias == NO_DB_ALIAS or not options:
            return None
        if self.alias not in self._connection_pools:
            if self.settings_dict.get("CONN_MAX_AGE", 0) != 0:
                raise ImproperlyConfigured("Pooling doesn't support persistent connections.")
            from psycopg_pool import ConnectionPool

            parameters = self.get_connection_params()
            parameters["autocommit"] = True  # Django sets the connection's own mode after the loan
            pool = ConnectionPool(
                kwargs=parameters,
                open=False,
                configure=self._configure_connection,
                check=check_at_most_once_a_second,
                **({} if options is True else options),
            )
            self._connection_pools.setdefault(self.alias, pool)  # two threads at once: the first wins
        return self._connection_pools[self.alias]

    def close_if_health_check_failed(self):
        if self.pool:
            return  # the pool checked the connection before lending it
        if self.connection is not None and time.monotonic() - self.checked_at < HEALTH_CHECK_SECONDS:
            self.health_check_done = True
            return
        super().close_if_health_check_failed()
        self.checked_at = time.monotonic()

    def connect(self):
        super().connect()
        self.checked_at = time.monotonic()  # a new connection has just answered
