"""Tests that need a real backend run against it; in CI (CI=true) a missing backend is a failure."""

import os
import shutil

import pytest
from django.conf import settings
from django.db import connection

IN_CI = os.environ.get("CI", "").lower() == "true"
CHROMIUM = "/usr/bin/chromium"


def need(available: bool, what: str) -> None:
    if available:
        return
    if IN_CI:
        pytest.fail(f"{what} is required in CI and is missing")
    pytest.skip(f"{what} is not available on this machine")


def need_postgres() -> None:
    need(connection.vendor == "postgresql", "PostgreSQL (DATABASE_URL=postgres://...)")


def need_redis() -> None:
    need(bool(settings.REDIS_URL), "Redis (REDIS_URL=redis://...)")


def need_chromium() -> None:
    need(os.path.exists(CHROMIUM), f"Chromium at {CHROMIUM} (apt-get install chromium)")


def need_coturn() -> None:
    need(shutil.which("turnserver") is not None, "coturn (apt-get install coturn)")


def need_kamailio() -> None:
    need(
        shutil.which("kamailio") is not None or os.path.exists("/usr/sbin/kamailio"),
        "Kamailio (apt-get install kamailio)",
    )


def need_sipp() -> None:
    need(shutil.which("sipp") is not None, "sipp (apt-get install sip-tester)")
