import pytest


@pytest.fixture(autouse=True)
def _programme_threads_closed():
    """The event page's threads keep database connections: closed after each test, or the test
    database could not be emptied or dropped while they hold it."""
    yield
    from ecoute.programme.views import stop_pool

    stop_pool()
