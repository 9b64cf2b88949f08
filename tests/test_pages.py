"""The pages of the line, as served."""

import json

import pytest

from ecoute.presence.models import Status
from tests.support.cast import make_outsider, make_psychologist
from tests.support.twofactor import log_in

pytestmark = pytest.mark.django_db


def test_the_caller_app_shows_the_board_the_emergency_numbers_and_the_quick_exit(client):
    make_psychologist(
        "Claire",
        status=Status.AVAILABLE,
        languages=("fr", "en"),
        presentation="Réanimation et soins palliatifs.",
    )
    page = client.get("/").content.decode()
    assert "Claire" in page and "Réanimation et soins palliatifs." in page and "Disponible" in page
    for number in ("tel:15", "tel:112", "tel:3114", "tel:0805232336"):
        assert number in page
    assert 'id="quick-exit"' in page and 'lang="fr"' in page


def test_the_board_alone_is_served_for_refreshes(client):
    make_psychologist("Karim", status=Status.BREAK)
    page = client.get("/tableau/").content.decode()
    assert "Karim" in page and "Indisponible" in page and "<html" not in page


def test_the_app_can_be_installed(client):
    manifest = json.loads(client.get("/manifest.webmanifest").content)
    assert manifest["start_url"] == "/" and manifest["display"] == "standalone"
    assert {icon["sizes"] for icon in manifest["icons"]} == {"192x192", "512x512"}
    worker = client.get("/sw.js")
    assert worker["Content-Type"].startswith("text/javascript") and worker["Service-Worker-Allowed"] == "/"
    assert "/hors-ligne/" in worker.content.decode()
    assert "0 805 23 23 36" in client.get("/hors-ligne/").content.decode()


def test_the_workspace_asks_for_a_login(client):
    response = client.get("/espace/")
    assert response.status_code == 302 and response["Location"].startswith("/connexion/")


def test_the_workspace_is_only_for_listeners(client):
    log_in(client, make_outsider())
    assert client.get("/espace/").status_code == 403
    log_in(client, make_psychologist("Claire"))
    assert client.get("/espace/").status_code == 200


def test_the_workspace_needs_the_second_factor(client):
    client.force_login(make_psychologist("Claire"))  # a password login alone
    response = client.get("/espace/")
    assert response.status_code == 302 and response["Location"].startswith("/connexion/")


def test_pages_refuse_other_methods(client):
    assert client.post("/").status_code == 405
