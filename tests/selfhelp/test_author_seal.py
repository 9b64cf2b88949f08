"""The legal record of a testimony's author (décret 2021-1362): sealed to a public key whose private half
is offline, so the server that writes it cannot read it; shown on no screen, moderators' and admins'
included; opened only by the documented command given the private key, each reading journalled."""

import json
import os
from io import StringIO

import pytest
from django.apps import apps
from django.contrib import admin
from django.core.management import CommandError, call_command
from django.db import connection

from ecoute.lib import crypto, sealing
from ecoute.lib.env import ConfigurationError
from ecoute.security.models import SecurityEvent, SecurityEventKind
from ecoute.selfhelp.models import AuthorSeal
from ecoute.selfhelp.testimonies import submit
from tests.support.cast import _user
from tests.support.twofactor import log_in

from .conftest import ensure_phrases

pytestmark = pytest.mark.django_db

STORY = (
    "Après des mois de gardes enchaînées, je ne dormais plus. Une collègue m’a parlé de la ligne d’écoute ; "
    "en parler m’a aidée à demander un aménagement de planning."
)


@pytest.fixture
def offline_key(settings, tmp_path):
    """A fresh key pair: the server gets the public half; the private half is in a file, as it would
    be on the offline medium brought for a legal request."""
    private, public = sealing.new_key_pair()
    settings.ECOUTE_AUTHOR_SEAL_PUBLIC_KEY = public
    path = tmp_path / "author-seal.key"
    path.write_text(private + "\n")
    return path


@pytest.fixture
def testimony(db):
    ensure_phrases()
    return submit("Aline", "initiative", "Ce qui m’a aidée", STORY, "aline@example.org")[0]


def open_seal(testimony_id, key_file, by, requisition="PV 2026/123") -> str:
    out = StringIO()
    call_command(
        "open_author_seal",
        testimony_id,
        requisition=requisition,
        by=by,
        private_key_file=str(key_file),
        stdout=out,
    )
    return out.getvalue()


def test_the_record_is_sealed_to_the_offline_key_and_the_server_cannot_open_it(offline_key, testimony):
    seal = AuthorSeal.objects.get()
    with connection.cursor() as cursor:
        cursor.execute("SELECT sealed FROM selfhelp_authorseal")
        stored = cursor.fetchone()[0]
    assert "Aline" not in stored and "aline@" not in stored
    with pytest.raises(crypto.NoteKeyError):
        crypto.unseal(stored)  # not the notes' keys: what the server holds opens nothing
    with pytest.raises(sealing.SealError):
        sealing.unseal(stored, sealing.private_key(sealing.DEVELOPMENT_PRIVATE_KEY))
    private = sealing.private_key(offline_key.read_text())
    document = json.loads(sealing.unseal(stored, private))
    assert document["pseudonym"] == "Aline" and document["email"] == "aline@example.org"
    assert document["content"] == testimony.pk and document["operation"] == "creation"
    assert len(document["text_sha256"]) == 64 and "ip" not in " ".join(document).lower()
    assert seal.key_fingerprint == sealing.fingerprint(sealing.public_of(private))


def test_only_the_command_with_the_private_key_and_a_requisition_opens_it_and_each_reading_is_journalled(
    offline_key, testimony, tmp_path
):
    administrator = _user("admin-legal", "administrator")
    with pytest.raises(CommandError, match="réquisition est obligatoire"):
        open_seal(testimony.pk, offline_key, administrator.username, requisition=" ")
    with pytest.raises(CommandError, match="Aucun membre actif"):
        open_seal(testimony.pk, offline_key, "personne")
    other = tmp_path / "other.key"
    other.write_text(sealing.new_key_pair()[0])
    with pytest.raises(CommandError, match="n’ouvre pas ces données"):
        open_seal(testimony.pk, other, administrator.username)
    garbage = tmp_path / "garbage.key"
    garbage.write_text("pas une clé")
    with pytest.raises(CommandError, match="ne contient pas une clé privée"):
        open_seal(testimony.pk, garbage, administrator.username)
    with pytest.raises(CommandError, match="ne peut pas être lue"):
        open_seal(testimony.pk, tmp_path / "absent.key", administrator.username)
    with pytest.raises(CommandError, match="Aucune donnée scellée"):
        open_seal(testimony.pk + 1000, offline_key, administrator.username)
    assert not SecurityEvent.objects.filter(kind=SecurityEventKind.LEGAL_READ).exists()

    assert "aline@example.org" in open_seal(testimony.pk, offline_key, administrator.username)
    assert "aline@example.org" in open_seal(testimony.pk, offline_key, administrator.username, "PV 2026/124")
    readings = SecurityEvent.objects.filter(kind=SecurityEventKind.LEGAL_READ).order_by("at")
    assert [event.details["requisition"] for event in readings] == ["PV 2026/123", "PV 2026/124"]
    assert all(event.actor == administrator and "aline" not in event.summary for event in readings)
    assert readings[0].details["key"] == AuthorSeal.objects.get().key_fingerprint


def test_no_screen_shows_it_to_moderators_or_administrators(offline_key, testimony, client):
    seal = AuthorSeal.objects.get()
    assert not admin.site.is_registered(AuthorSeal)
    log_in(client, _user("moderatrice", "moderator"))
    moderation = (
        client.get("/moderation/").content.decode()
        + client.get(f"/moderation/{testimony.pk}/").content.decode()
    )
    assert "Aline" in moderation  # the pseudonym is the testimony's, shown as written
    for secret in (seal.sealed[:40], seal.key_fingerprint, "aline@example.org"):
        assert secret not in moderation
    superuser = _user("root", "administrator")
    superuser.is_superuser = superuser.is_staff = True
    superuser.save()
    log_in(client, superuser)
    pages = "".join(client.get(path).content.decode() for path in ("/admin/", "/admin/selfhelp/"))
    assert "authorseal" not in pages.lower() and seal.sealed[:40] not in pages
    assert client.get("/admin/selfhelp/authorseal/").status_code == 404


def test_the_key_pair_command_keeps_the_private_key_out_of_reach(tmp_path):
    path = tmp_path / "author-seal.key"
    out = StringIO()
    call_command("author_seal_keys", private_key_file=str(path), stdout=out)
    public = out.getvalue().split("ECOUTE_AUTHOR_SEAL_PUBLIC_KEY=")[1].split()[0]
    assert sealing.public_of(sealing.private_key(path.read_text())) == public
    assert os.stat(path).st_mode & 0o777 == 0o600
    with pytest.raises(CommandError, match="ne peut pas être créé"):
        call_command("author_seal_keys", private_key_file=str(path), stdout=StringIO())  # never overwritten


def test_production_refuses_to_start_without_a_valid_public_key(monkeypatch):
    monkeypatch.delenv("ECOUTE_AUTHOR_SEAL_PUBLIC_KEY", raising=False)
    with pytest.raises(ConfigurationError, match="must be set"):
        sealing.public_key_setting(debug=False)
    assert sealing.public_key_setting(debug=True) == sealing.public_of(
        sealing.private_key(sealing.DEVELOPMENT_PRIVATE_KEY)
    )
    monkeypatch.setenv("ECOUTE_AUTHOR_SEAL_PUBLIC_KEY", "bm90IGEga2V5")
    with pytest.raises(ConfigurationError, match="not an X25519 public key"):
        sealing.public_key_setting(debug=False)
    public = sealing.new_key_pair()[1]
    monkeypatch.setenv("ECOUTE_AUTHOR_SEAL_PUBLIC_KEY", public)
    assert sealing.public_key_setting(debug=False) == public


def test_records_kept_under_the_notes_keys_are_sealed_again_to_the_offline_key(offline_key, testimony):
    from importlib import import_module

    document = json.dumps({"content": testimony.pk, "pseudonym": "Aline"})
    AuthorSeal.objects.update(sealed=crypto.seal(document), key_fingerprint="")  # as before this change
    import_module("ecoute.selfhelp.migrations.0004_author_seal_offline_key").reseal_to_the_offline_key(
        apps, None
    )
    seal = AuthorSeal.objects.get()
    assert sealing.unseal(seal.sealed, sealing.private_key(offline_key.read_text())).decode() == document
    assert seal.key_fingerprint == sealing.fingerprint(
        sealing.public_of(sealing.private_key(offline_key.read_text()))
    )


def test_the_private_key_can_come_from_standard_input_so_it_touches_no_disk(
    offline_key, testimony, monkeypatch
):
    administrator = _user("admin-legal", "administrator")
    monkeypatch.setattr("sys.stdin", StringIO(offline_key.read_text()))
    assert "aline@example.org" in open_seal(testimony.pk, "-", administrator.username)
    assert SecurityEvent.objects.filter(kind=SecurityEventKind.LEGAL_READ).count() == 1
