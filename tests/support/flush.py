"""Transactional tests empty PostgreSQL's tables with DELETE, and keep the content types.

After every transactional test (a live server, real concurrency, Channels' database threads) Django
empties the database, measured at 2.7 to 4.3 s a test on this kind of machine, for a test that left
a few rows in a few tables:
- one TRUNCATE of all 84 tables, which makes new files for each table and each of its indexes;
- then, every table being empty, its post_migrate handlers make the content types and permissions
  again (about 80 queries), which the next flush deletes again, each deleted row checked against the
  tables that refer to it.
Here the same tables are emptied by one DELETE each, in one round trip, and the content types and
permissions (the same rows for every test) are kept, so nothing needs making again: 0.05 s. DELETE
takes row locks rather than locking each table whole, so the flush no longer queues behind (or
deadlocks with) a live server's timers.

The order of the DELETEs does not matter: Django makes every foreign key DEFERRABLE INITIALLY
DEFERRED on PostgreSQL and the flush runs in one transaction, so the keys are checked once every
table is empty. A flush that resets sequences (`reset_sequences = True`) keeps Django's way.
"""

import pytest

KEPT_TABLES = {"django_content_type", "auth_permission"}
HANDLERS_OF_KEPT_TABLES = {"create_contenttypes", "create_permissions"}


def sql_flush_by_delete(original):
    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        if reset_sequences or not tables:
            return original(self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade)
        emptied = sorted(set(tables) - KEPT_TABLES)
        return ["; ".join(f"DELETE FROM {self.quote_name(table)}" for table in emptied)]

    return sql_flush


def only_kept_tables_are_made_after_migrating() -> bool:
    """True while the only post_migrate handlers are Django's, which make the kept tables' rows."""
    from django.db.models.signals import post_migrate

    handlers = {receiver() for _key, receiver, *_rest in post_migrate.receivers}
    return {getattr(handler, "__name__", "") for handler in handlers} <= HANDLERS_OF_KEPT_TABLES


@pytest.fixture(scope="session", autouse=True)
def _tables_emptied_by_delete():
    from django.core.management.commands import flush
    from django.db import connection

    if connection.vendor != "postgresql":
        yield
        return
    operations = type(connection.ops)
    original_sql_flush, original_emit = operations.sql_flush, flush.emit_post_migrate_signal
    operations.sql_flush = sql_flush_by_delete(original_sql_flush)
    if only_kept_tables_are_made_after_migrating():
        flush.emit_post_migrate_signal = lambda *args, **kwargs: None
    yield
    operations.sql_flush, flush.emit_post_migrate_signal = original_sql_flush, original_emit
