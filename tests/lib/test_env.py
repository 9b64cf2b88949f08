"""Settings read from the environment: a wrong value stops the start with a clear message."""

import os
import subprocess
import sys

import pytest

from ecoute.lib.env import ConfigurationError, env_bool, env_int, env_list, env_str


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("1", True),
        ("true", True),
        ("Yes", True),
        ("on", True),
        ("0", False),
        ("false", False),
        ("no", False),
        ("", False),
    ],
)
def test_booleans(monkeypatch, raw, expected):
    monkeypatch.setenv("FLAG", raw)
    assert env_bool("FLAG") is expected


def test_a_bad_boolean_raises(monkeypatch):
    monkeypatch.setenv("FLAG", "maybe")
    with pytest.raises(ConfigurationError, match="FLAG='maybe' is not a boolean"):
        env_bool("FLAG")


def test_whole_numbers_and_their_minimum(monkeypatch):
    monkeypatch.setenv("SECONDS", "30")
    assert env_int("SECONDS", 20, minimum=5) == 30
    monkeypatch.setenv("SECONDS", "2")
    with pytest.raises(ConfigurationError, match="at least 5"):
        env_int("SECONDS", 20, minimum=5)
    monkeypatch.setenv("SECONDS", "twenty")
    with pytest.raises(ConfigurationError, match="not a whole number"):
        env_int("SECONDS", 20)
    monkeypatch.delenv("SECONDS")
    assert env_int("SECONDS", 20) == 20


def test_lists(monkeypatch):
    monkeypatch.setenv("URLS", " turn:a:3478 , ,turns:b:443 ")
    assert env_list("URLS") == ["turn:a:3478", "turns:b:443"]


def test_secrets_can_come_from_files(monkeypatch, tmp_path):
    secret = tmp_path / "secret"
    secret.write_text("s3cret\n")
    monkeypatch.setenv("TURN_SECRET_FILE", str(secret))
    assert env_str("TURN_SECRET") == "s3cret"
    monkeypatch.setenv("TURN_SECRET_FILE", str(tmp_path / "missing"))
    with pytest.raises(ConfigurationError, match="cannot be read"):
        env_str("TURN_SECRET")


def test_settings_refuse_a_queue_refresh_slower_than_half_the_caller_timeout():
    """Checked where the settings load, in a fresh interpreter, with the error a deployer can act on."""
    env = {
        **os.environ,
        "DJANGO_DEBUG": "1",
        "ECOUTE_QUEUE_REFRESH_SECONDS": "20",
        "ECOUTE_CALLER_TIMEOUT": "30",
    }
    done = subprocess.run(
        [sys.executable, "-c", "import ecoute.settings"], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode != 0 and "ECOUTE_QUEUE_REFRESH_SECONDS must be at most half" in done.stderr
    env["ECOUTE_QUEUE_REFRESH_SECONDS"] = "5"
    assert (
        subprocess.run([sys.executable, "-c", "import ecoute.settings"], env=env, timeout=60).returncode == 0
    )
