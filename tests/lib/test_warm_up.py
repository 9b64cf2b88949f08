"""A server process imports and compiles at start what its first requests would otherwise pay for."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Modules that only the URL configuration imports (the rota's views and solver, the statistics'
# exports): present right after the application is loaded, before any request.
PROBE = """
import sys
import ecoute.asgi
print(all(name in sys.modules for name in ("ecoute.rota.views", "ecoute.stats.views", "ecoute.programme.views_staff")))
"""


def test_loading_the_application_imports_every_view_before_the_first_request():
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="ecoute.settings")
    done = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == "True"
