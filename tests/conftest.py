"""Fixtures shared by every test: the real server, coturn and Chromium are in tests/support/."""

import pytest

pytest_plugins = ["tests.support.live", "tests.support.phone"]


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    """Browser tests last, whichever folders run: Playwright's sync API leaves an event loop running in
    the test thread for the rest of the session, and asyncio tests that came after would fail to start."""
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)


@pytest.fixture(autouse=True)
def _fresh_abuse_limits():
    """Each test starts with no abuse counters, blocks or held-back sources (ecoute/abuse)."""
    from tests.support.abuse import forget_abuse_state

    forget_abuse_state()
