"""Fixtures shared by every test: the real server, coturn and Chromium are in tests/support/."""

pytest_plugins = ["tests.support.live"]
