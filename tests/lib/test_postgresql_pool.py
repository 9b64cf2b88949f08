"""The pool of PostgreSQL connections (ecoute/lib/postgresql/pool.py, ECOUTE_DB_POOL_SIZE).

Django's ASGI handler runs each HTTP request in a thread of its own: without the pool each request
opened a connection of its own, and a surge of psychologists saving their contact records went past
PostgreSQL's limit ("too many clients"). With it, requests borrow from a few connections per process,
each checked at most once a second, and one that died is replaced without failing a request.
"""

import threading

import pytest
from django.conf import settings
from django.db import close_old_connections, connection, connections
from psycopg_pool import ConnectionPool

from ecoute.lib.postgresql import pool as pooling
from tests.support.backends import need_postgres

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]


@pytest.fixture
def pooled():
    need_postgres()
    assert connection.pool is not None, "PostgreSQL connections are pooled by default"
    assert connection.settings_dict["CONN_MAX_AGE"] == 0  # what the pool requires
    connection.close()  # start from connections waiting in the pool
    yield connection.pool
    connection.close()


def one_request() -> int:
    """What Django does around a request or a websocket action: close what is stale, query, close."""
    close_old_connections()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            return cursor.fetchone()[0]
    finally:
        close_old_connections()


def test_the_pool_is_sized_by_the_setting(pooled):
    assert pooled.max_size == settings.DATABASES["default"]["OPTIONS"]["pool"]["max_size"] > 0


def test_a_surge_of_requests_in_threads_of_their_own_shares_the_pools_connections(pooled):
    """50 requests at once, each in a thread as under ASGI, use at most the pool's connections."""
    backends, failures = set(), []
    start = threading.Barrier(50)

    def request():
        try:
            start.wait(timeout=30)
            for _ in range(3):
                backends.add(one_request())
        except Exception as error:  # a failed request must fail the test, not vanish with its thread
            failures.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=request) for _ in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures
    assert 1 <= len(backends) <= pooled.max_size


def test_a_connection_is_checked_at_most_once_a_second(pooled, monkeypatch):
    checks = []
    real = ConnectionPool.check_connection
    monkeypatch.setattr(ConnectionPool, "check_connection", lambda conn: checks.append(1) or real(conn))
    backends = {one_request() for _ in range(50)}
    assert len(checks) <= len(backends)  # once for each connection lent, not once per request


def test_a_connection_that_died_is_replaced_without_failing_a_request(pooled):
    close_old_connections()
    connection.ensure_connection()
    dead_pid = connection.connection.info.backend_pid
    pooling.forget_check(connection.connection)  # as if it had been quiet for a second
    connection.close()  # back to the pool
    other = connections.create_connection("default")
    with other.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [dead_pid])
    other.close()
    # The pool lends its connections in turn: enough requests to reach the dead one, none fails.
    lent = [one_request() for _ in range(pooled.get_stats()["pool_size"] + 1)]
    assert dead_pid not in lent  # the check found it dead and the pool lent a new one
