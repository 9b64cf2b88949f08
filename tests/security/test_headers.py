"""Every page carries a strict Content-Security-Policy and a Permissions-Policy; staff pages are never
stored; the API's docs load nothing from another site; the production settings pass `check --deploy`."""

import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from ecoute.accounts.models import Role
from ecoute.lib.sealing import new_key_pair
from tests.support.cast import make_psychologist
from tests.support.contacts import make_record, make_staff
from tests.support.twofactor import log_in

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def policy(response) -> dict[str, list[str]]:
    directives = {}
    for part in response["Content-Security-Policy"].split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


def features(response) -> dict[str, str]:
    return dict(part.strip().split("=", 1) for part in response["Permissions-Policy"].split(","))


def test_every_kind_of_page_has_a_strict_content_security_policy(client, settings):
    claire = make_psychologist("Claire")
    pages = ["/", "/orientation/", "/orientation/carte/", "/chiffres/", "/connexion/", "/api/docs"]
    for path in pages:
        csp = policy(client.get(path))
        assert (
            csp["default-src"] == ["'self'"]
            and csp["object-src"] == ["'none'"]
            and csp["frame-ancestors"] == ["'none'"]
        ), path
        assert not any("unsafe" in value for values in csp.values() for value in values), path
    log_in(client, claire)
    assert "'unsafe-inline'" not in client.get("/espace/")["Content-Security-Policy"]
    # Map tiles from their configured host only (test_the_tiles_host_comes_from_the_configuration);
    # none at all by default, when there are none.
    assert policy(client.get("/orientation/carte/"))["img-src"] == ["'self'", "data:"]


def test_the_tiles_host_comes_from_the_configuration():
    run = subprocess.run(
        [
            sys.executable,
            "-c",
            "from django.conf import settings; import django; django.setup(); "
            "print(settings.CONTENT_SECURITY_POLICY['DIRECTIVES']['img-src'])",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={
            "PATH": "/usr/bin:/bin",
            "DJANGO_SETTINGS_MODULE": "ecoute.settings",
            "DJANGO_DEBUG": "1",
            "ECOUTE_MAP_TILE_URL": "https://{s}.tuiles.example.org/{z}/{x}/{y}.png",
        },
    )
    assert run.stdout.strip() == "[\"'self'\", 'data:', 'https://*.tuiles.example.org']", run.stderr


def test_no_template_holds_an_inline_script_style_or_event_handler():
    offenders = []
    for template in ROOT.glob("**/templates/**/*.html"):
        if ".venv" in template.parts:
            continue
        text = template.read_text()
        for pattern in (
            r"\sstyle=",
            r"<style",
            r"<script(?![^>]*\bsrc=)(?![^>]*application/json)",
            r"\son[a-z]+=\"",
        ):
            if re.search(pattern, text):
                offenders.append(f"{template.relative_to(ROOT)}: {pattern}")
    assert not offenders


def test_the_microphone_only_where_calls_happen_and_the_position_only_for_around_me(client):
    claire = make_psychologist("Claire")
    closed = features(client.get("/chiffres/"))
    assert closed["microphone"] == "()" and closed["geolocation"] == "()" and closed["camera"] == "()"
    line = features(client.get("/"))
    assert line["microphone"] == "(self)" and line["geolocation"] == "()"
    for path in ("/orientation/", "/orientation/carte/"):
        around_me = features(client.get(path))
        assert around_me["geolocation"] == "(self)" and around_me["microphone"] == "()"
    log_in(client, claire)
    assert features(client.get("/espace/"))["microphone"] == "(self)"
    assert features(client.get("/espace/fiches/"))["microphone"] == "()"


def test_staff_pages_and_decrypted_notes_are_never_stored_but_the_callers_app_may_be(client):
    claire = make_psychologist("Claire")
    record = make_record(claire, note="CANARI-cache")
    assert client.get("/connexion/")["Cache-Control"] == "no-store"
    assert "no-store" not in client.get("/").get("Cache-Control", "")
    log_in(client, claire)
    for path in (
        "/espace/",
        "/espace/fiches/",
        f"/espace/fiches/{record.pk}/note/",
        "/espace/fiches/appel-en-cours/",
        "/",
    ):
        response = client.get(path)
        assert response["Cache-Control"] == "no-store", path
    assert "CANARI-cache" in client.get(f"/espace/fiches/{record.pk}/note/").content.decode()
    stats = make_staff(Role.STATISTICIAN)
    log_in(client, stats)
    for path in ("/statistiques/", "/statistiques/export.csv"):
        assert client.get(path)["Cache-Control"] == "no-store", path


def test_the_api_docs_load_swagger_ui_from_ecoute_itself(client):
    page = client.get("/api/docs")
    assert page.status_code == 200
    html = page.content.decode()
    addresses = re.findall(r"""(?:src|href)=["']([^"']+)""", html)
    assert any("swagger-ui-bundle.js" in address for address in addresses)
    assert all(address.startswith("/") for address in addresses), addresses
    assert "cdn" not in html.lower()


def production_env(**extra) -> dict:
    """The environment README's production section documents (DEBUG off, real secrets)."""
    return {
        "PATH": "/usr/bin:/bin",
        "HOME": "/tmp",
        "DJANGO_SETTINGS_MODULE": "ecoute.settings",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "ecoute.example.org",
        "ECOUTE_NOTE_KEYS": Fernet.generate_key().decode(),
        "ECOUTE_AUTHOR_SEAL_PUBLIC_KEY": new_key_pair()[1],
        "ECOUTE_TURN_URLS": "turn:turn.example.org:3478",
        "ECOUTE_TURN_SECRET": secrets.token_hex(16),
        **extra,
    }


def test_check_deploy_prints_no_warning_in_the_documented_production_configuration():
    run = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=production_env(),
    )
    assert run.returncode == 0, run.stderr
    assert "System check identified no issues" in run.stdout and "WARNING" not in run.stdout + run.stderr, (
        run.stdout + run.stderr
    )


def test_check_deploy_warns_when_calls_would_not_go_through_the_relay():
    env = {name: value for name, value in production_env().items() if not name.startswith("ECOUTE_TURN")}
    run = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy"], cwd=ROOT, capture_output=True, text=True, env=env
    )
    assert "ecoute.W001" in run.stdout + run.stderr and "caller's network address" in run.stdout + run.stderr


PROBE = (
    "import django; django.setup(); from django.test import Client; c = Client(HTTP_HOST='ecoute.example.org'); "
    "plain = c.get('/hors-ligne/'); secure = c.get('/hors-ligne/', secure=True); "
    "print(plain.status_code, plain.get('Location'), secure.status_code, secure.get('Strict-Transport-Security'))"
)


def test_production_redirects_to_https_with_hsts_unless_a_proxy_does_it():
    run = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True, env=production_env()
    )
    assert run.stdout.split(" ", 3) == [
        "301",
        "https://ecoute.example.org/hors-ligne/",
        "200",
        "max-age=31536000; includeSubDomains; preload\n",
    ], run.stderr
    off = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=production_env(DJANGO_SECURE_SSL_REDIRECT="0"),
    )
    assert off.stdout.startswith("200 None 200"), off.stderr
    proxied = subprocess.run(
        [
            sys.executable,
            "-c",
            PROBE.replace(
                "c.get('/hors-ligne/')", "c.get('/hors-ligne/', HTTP_X_FORWARDED_PROTO='https')", 1
            ),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=production_env(DJANGO_SECURE_PROXY_SSL_HEADER="X-Forwarded-Proto"),
    )
    assert proxied.stdout.startswith("200 None"), proxied.stderr
