"""The suite on several pytest-xdist workers: each worker gets its own Redis database and channel
prefix, as pytest-django gives it its own test database, so that one worker's servers never read
another's queue, counters or events.

Loaded with `-p` (pyproject.toml) so that it runs before pytest-django reads the settings.
"""

import os
import re

REDIS_DATABASES = 16  # Redis's default number of databases


def worker_number() -> int:
    """0 for the first worker, or when the suite runs in one process."""
    return int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw"))


def _isolate_this_worker() -> None:
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return
    number = worker_number()
    redis_url = os.environ.get("REDIS_URL", "")
    match = re.fullmatch(r"(redis://[^/]+)/?(\d*)", redis_url)
    if match:
        base = int(match.group(2) or 0)
        os.environ["REDIS_URL"] = f"{match.group(1)}/{(base + number) % REDIS_DATABASES}"
    prefix = os.environ.get("ECOUTE_CHANNEL_PREFIX", "ecoute")
    os.environ["ECOUTE_CHANNEL_PREFIX"] = f"{prefix}-{worker}"


_isolate_this_worker()
