"""The restore drill of docs/operations.md: a backup is only a backup once it has been restored.

Dump the database with pg_dump, restore it into a fresh database, start the platform on it with the
escrowed note keys, log in through the second factor, read an encrypted note and the statistics.
Then the same backup on a server without those keys: the note cannot be read (a plain message,
not a 500), the statistics, made of coded fields only, still can.
"""

import re
import secrets
import shutil
import subprocess
from datetime import date

import pytest
import requests
from cryptography.fernet import Fernet
from django.conf import settings
from django.db import connection

from ecoute.accounts.models import Role
from tests.support.backends import need, need_postgres
from tests.support.contacts import ensure_taxonomies, make_record, make_staff
from tests.support.live import LiveServer
from tests.support.twofactor import current_code, give_authenticator

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

NOTE = "Dort mal depuis la réorganisation du service ; pense à changer de poste."
RECORDS = 12  # above the small-cell threshold (10): the totals are published, not hidden


def _postgres_args(name: str) -> list[str]:
    config = connection.settings_dict
    return [
        "-h",
        config.get("HOST") or "127.0.0.1",
        "-p",
        str(config.get("PORT") or 5432),
        "-U",
        config.get("USER") or "postgres",
        "-d",
        name,
    ]


def _run(*command: str) -> None:
    config = connection.settings_dict
    env = {"PGPASSWORD": config.get("PASSWORD") or "", "PATH": "/usr/bin:/bin"}
    subprocess.run(command, check=True, env=env, capture_output=True, timeout=120)


@pytest.fixture
def restored(tmp_path):
    """The test database as a backup restores it: dumped, then restored into a fresh database."""
    need_postgres()
    need(
        shutil.which("pg_dump") is not None and shutil.which("pg_restore") is not None,
        "pg_dump and pg_restore (apt-get install postgresql-client)",
    )
    ensure_taxonomies()
    claire = make_staff(Role.PSYCHOLOGIST, "Claire")
    stats = make_staff(Role.STATISTICIAN, "Statisticienne")
    devices = {user.username: give_authenticator(user) for user in (claire, stats)}
    with_note = make_record(claire, note=NOTE)
    for _ in range(RECORDS - 1):
        make_record(claire)

    dump = tmp_path / "ecoute.dump"
    source = connection.settings_dict["NAME"]
    _run("pg_dump", "-Fc", "--no-owner", "-f", str(dump), *_postgres_args(source))
    name = f"{source}_restored_{secrets.token_hex(4)}"
    _run("psql", "-v", "ON_ERROR_STOP=1", "-c", f'CREATE DATABASE "{name}"', *_postgres_args("postgres"))
    try:
        _run("pg_restore", "--no-owner", "--exit-on-error", *_postgres_args(name), str(dump))
        config = connection.settings_dict
        url = f"postgres://{config.get('USER') or 'postgres'}@{config.get('HOST') or '127.0.0.1'}:{config.get('PORT') or 5432}/{name}"
        yield {"url": url, "claire": claire, "stats": stats, "devices": devices, "record": with_note}
    finally:
        _run("psql", "-c", f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', *_postgres_args("postgres"))


def start_on(database_url: str, note_keys: list[str], name: str) -> LiveServer:
    # No Redis: this server stands alone on the restored database; no timers acting on it either.
    return LiveServer(
        {
            "DATABASE_URL": database_url,
            "ECOUTE_NOTE_KEYS": ",".join(note_keys),
            "REDIS_URL": "",
            "ECOUTE_TIMERS": "0",
        },
        name=name,
    ).start()


def log_in(server: LiveServer, user, device) -> requests.Session:
    """The staff login through its pages: password, then the authenticator's code."""
    session = requests.Session()

    def post(path: str, data: dict) -> requests.Response:
        page = session.get(f"{server.url}{path}", timeout=10)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
        return session.post(
            f"{server.url}{path}",
            data={"csrfmiddlewaretoken": token, **data},
            timeout=10,
            allow_redirects=False,
        )

    assert (
        post("/connexion/", {"username": user.username, "password": "un-mot-de-passe-solide"}).status_code
        == 302
    )
    assert post("/connexion/verification/", {"token": current_code(device)}).status_code == 302
    return session


def test_a_backup_restores_into_a_fresh_database_with_its_notes_and_figures(restored):
    # The restored schema is complete: nothing left to migrate.
    subprocess.run(
        [".venv/bin/python", "manage.py", "migrate", "--check"],
        check=True,
        capture_output=True,
        timeout=120,
        cwd=settings.BASE_DIR,
        env={"DJANGO_DEBUG": "1", "DATABASE_URL": restored["url"], "REDIS_URL": "", "PATH": "/usr/bin:/bin"},
    )

    server = start_on(restored["url"], settings.ECOUTE_NOTE_KEYS, "restored")
    try:
        claire = log_in(server, restored["claire"], restored["devices"][restored["claire"].username])
        note_page = claire.get(f"{server.url}/espace/fiches/{restored['record'].pk}/note/", timeout=10)
        assert note_page.status_code == 200
        assert NOTE in note_page.text

        assert requests.get(f"{server.url}/api/stats/public", timeout=10).json()["since_opening"] == RECORDS
        stats = log_in(server, restored["stats"], restored["devices"][restored["stats"].username])
        today = date.today().isoformat()
        report = stats.get(
            f"{server.url}/api/stats/report", params={"du": today[:4] + "-01-01", "au": today}, timeout=10
        )
        assert report.status_code == 200 and report.json()["total"] == RECORDS
        assert stats.get(f"{server.url}/statistiques/", timeout=10).status_code == 200
    finally:
        server.stop()

    # The same backup, on a machine given the wrong key: the note stays sealed, said plainly.
    keyless = start_on(restored["url"], [Fernet.generate_key().decode()], "restored-without-keys")
    try:
        note_page = claire.get(
            f"{keyless.url}/espace/fiches/{restored['record'].pk}/note/", timeout=10
        )  # same session, same database
        assert note_page.status_code == 503
        assert "ne peut pas être déchiffrée" in note_page.text and NOTE not in note_page.text
        assert requests.get(f"{keyless.url}/api/stats/public", timeout=10).json()["since_opening"] == RECORDS
    finally:
        keyless.stop()
