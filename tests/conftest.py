"""Fixtures shared by every test: the real server, coturn and Chromium are in tests/support/."""

import os

import pytest

pytest_plugins = ["tests.support.flush", "tests.support.live", "tests.support.phone"]


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    """Browser tests last, whichever folders run: Playwright's sync API leaves an event loop running in
    the test thread for the rest of the session, and asyncio tests that came after would fail to start.

    The claims of SQLite's own fallbacks are left out on PostgreSQL (`make test` runs them again on
    SQLite): left out, not skipped, so that a skip always means something is missing."""
    if os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sqlite_only = [item for item in items if item.get_closest_marker("sqlite")]
        if sqlite_only:
            config.hook.pytest_deselected(items=sqlite_only)
            items[:] = [item for item in items if not item.get_closest_marker("sqlite")]
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)


@pytest.fixture(autouse=True)
def _fresh_abuse_limits():
    """Each test starts with no abuse counters, blocks or held-back sources (ecoute/abuse)."""
    from tests.support.abuse import forget_abuse_state

    forget_abuse_state()


@pytest.fixture(autouse=True)
def _fresh_coverage_risk():
    """Each test reads the coming hour's forecast from its own history (ecoute/rota/risk.py keeps it a minute)."""
    from ecoute.rota import risk

    risk.forget()
