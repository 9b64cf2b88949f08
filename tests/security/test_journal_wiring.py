"""What the security journal records: second-factor set-up, renewal and reset, role changes, exports,
imports; and who may read it (administrators only)."""

import pytest
from django.contrib.admin.sites import site as admin_site
from django.core.management import call_command
from django.test import Client, RequestFactory

from ecoute.accounts import twofactor
from ecoute.accounts.models import Role, User
from ecoute.security.models import SecurityEvent, SecurityEventKind
from tests.contacts.test_import import GOOD as CONTACT_ROWS
from tests.contacts.test_import import HEADER as CONTACT_HEADER
from tests.support.cast import PASSWORD, make_psychologist
from tests.support.contacts import make_staff
from tests.support.twofactor import current_code, log_in

pytestmark = pytest.mark.django_db


def kinds() -> list[str]:
    return list(SecurityEvent.objects.order_by("pk").values_list("kind", flat=True))


def test_pairing_an_app_and_renewing_recovery_codes_are_journalled():
    karim = make_psychologist("Karim")
    client = Client()
    client.post("/connexion/", {"username": karim.username, "password": PASSWORD})
    client.get("/connexion/activation/")
    device = karim.totpdevice_set.get(confirmed=False)
    client.post("/connexion/activation/", {"token": current_code(device)})
    client.post("/compte/codes-de-secours/")
    assert kinds() == [
        SecurityEventKind.SECOND_FACTOR_SET_UP,
        SecurityEventKind.LOGIN,
        SecurityEventKind.RECOVERY_CODES,
    ]
    assert set(SecurityEvent.objects.values_list("actor", flat=True)) == {karim.pk}


def administrator() -> User:
    admin = make_staff(Role.ADMINISTRATOR, "Admin")
    admin.is_staff = True
    admin.save()
    return admin


def test_a_role_change_in_the_admin_is_journalled_with_who_made_it():
    admin, karim = administrator(), make_psychologist("Karim")
    admin.is_superuser = True  # the rights to change accounts in the admin
    admin.save()
    request = RequestFactory().post("/admin/")
    request.user = admin
    model_admin = admin_site._registry[User]
    form_class = model_admin.get_form(request, karim, change=True)
    data = {**form_class(instance=karim).initial, "role": Role.SUPERVISOR, "is_staff": "on"}
    data.update(
        {
            f"{name}_{i}": value
            for name in ("date_joined", "last_login")
            for i, value in enumerate(
                [getattr(karim, name).date(), getattr(karim, name).time()]
                if getattr(karim, name)
                else ["", ""]
            )
        }
    )
    data = {
        key: value
        for key, value in data.items()
        if value is not None and key not in ("date_joined", "last_login")
    }
    form = form_class(data, instance=karim)
    assert form.is_valid(), form.errors
    model_admin.save_model(request, form.save(commit=False), form, change=True)
    event = SecurityEvent.objects.get(kind=SecurityEventKind.ROLE_CHANGED)
    assert event.actor == admin and event.details["account"] == karim.username
    assert set(event.details["fields"]) == {"role", "is_staff"} and event.details["role"] == Role.SUPERVISOR


def test_a_second_factor_reset_by_an_administrator_is_journalled():
    admin, claire = administrator(), make_psychologist("Claire")
    log_in(Client(), claire)  # gives her an authenticator
    twofactor.new_recovery_codes(claire)
    twofactor.reset(claire, by=admin)
    assert not claire.totpdevice_set.exists() and not claire.staticdevice_set.exists()
    event = SecurityEvent.objects.get(kind=SecurityEventKind.SECOND_FACTOR_RESET)
    assert event.actor == admin and event.details["account"] == claire.username


def test_statistics_exports_and_imports_are_journalled(client, tmp_path):
    stats = make_staff(Role.STATISTICIAN)
    log_in(client, stats)
    assert client.get("/statistiques/export.csv").status_code == 200
    export = SecurityEvent.objects.get(kind=SecurityEventKind.EXPORT)
    assert export.actor == stats and export.details["format"] == "csv"
    path = tmp_path / "fiches.csv"
    path.write_text(CONTACT_HEADER + "".join(CONTACT_ROWS), encoding="utf-8")
    call_command("import_contacts", str(path))
    assert SecurityEvent.objects.get(kind=SecurityEventKind.IMPORT).details == {
        "what": "contacts",
        "records": 2,
    }


def test_only_administrators_read_the_journal(client):
    SecurityEvent.objects.create(kind=SecurityEventKind.PURGE, summary="Purge")
    supervisor = make_staff(Role.SUPERVISOR)
    supervisor.is_staff = True
    supervisor.save()
    log_in(client, supervisor)
    assert client.get("/admin/security/securityevent/").status_code == 403
    assert "securityevent" not in client.get("/admin/").content.decode()
    log_in(client, administrator())
    listing = client.get("/admin/security/securityevent/")
    assert listing.status_code == 200 and "Purge" in listing.content.decode()
    assert client.get("/admin/security/securityevent/add/").status_code == 403
