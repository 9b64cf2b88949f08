"""The PostgreSQL connection's health check at most once a second (ecoute/lib/postgresql/base.py).

Each websocket message handled on the database thread counts as a request for Django; checking the
connection with `SELECT 1` for each one was most of a board snapshot's cost. A connection that
answered within the second is trusted; an older one is checked, and replaced if it died.
"""

import pytest
from django.db import close_old_connections, connection, connections

from tests.support.backends import need_postgres

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]


@pytest.fixture
def checks(monkeypatch):
    """How many times the connection was asked `SELECT 1`."""
    need_postgres()
    asked = []
    wrapper = type(connections["default"])
    real = wrapper.is_usable

    def counted(self):
        asked.append(1)
        return real(self)

    monkeypatch.setattr(wrapper, "is_usable", counted)
    connection.close()  # given back to the pool, if any, before the pool is turned off
    monkeypatch.setitem(connection.settings_dict, "CONN_HEALTH_CHECKS", True)
    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 60)
    # Without the pool (ECOUTE_DB_POOL_SIZE=0): one persistent connection per thread.
    options = {k: v for k, v in connection.settings_dict["OPTIONS"].items() if k != "pool"}
    monkeypatch.setitem(connection.settings_dict, "OPTIONS", options)
    connection.connect()
    yield asked
    connection.close()  # this unpooled connection, before the pool comes back


def one_request() -> int:
    """What a message handled by Channels' database_sync_to_async does: close what is stale, query."""
    close_old_connections()
    with connection.cursor() as cursor:
        cursor.execute("SELECT 42")
        return cursor.fetchone()[0]


def test_many_messages_within_a_second_check_the_connection_once_at_most(checks):
    for _ in range(50):
        assert one_request() == 42
    assert len(checks) <= 1


def test_a_connection_quiet_for_a_second_is_checked_again(checks):
    one_request()
    connection.checked_at -= 2
    one_request()
    assert len(checks) == 1


def test_a_connection_that_died_is_replaced_at_its_next_check(checks):
    one_request()
    dead_pid = connection.connection.info.backend_pid
    other = connections.create_connection("default")
    with other.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [dead_pid])
    other.close()
    connection.checked_at -= 2
    assert one_request() == 42  # checked, found dead, replaced: the request itself never fails
    assert connection.connection.info.backend_pid != dead_pid
