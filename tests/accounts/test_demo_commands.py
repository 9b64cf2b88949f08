"""The demo commands run only with DJANGO_DEBUG=1 and never touch an account that already exists."""

import pytest
from django.core.management import CommandError, call_command
from django_otp.plugins.otp_totp.models import TOTPDevice

from ecoute.accounts.demo import DEMO_TOTP_KEY
from ecoute.accounts.management.commands.seed_demo import DEMO_PASSWORD
from ecoute.accounts.models import Role, User

pytestmark = pytest.mark.django_db
DEMO_COMMANDS = ["seed_demo", "seed_demo_contacts", "seed_directory", "demo_code"]


@pytest.mark.parametrize("command", DEMO_COMMANDS)
def test_every_demo_command_refuses_to_run_without_debug(command, monkeypatch):
    monkeypatch.delenv("DJANGO_DEBUG", raising=False)
    with pytest.raises(CommandError, match="DJANGO_DEBUG=1"):
        call_command(command)
    monkeypatch.setenv("DJANGO_DEBUG", "0")
    with pytest.raises(CommandError, match="DJANGO_DEBUG=1"):
        call_command(command)
    assert not User.objects.exists()


def test_seed_demo_creates_what_is_missing_and_leaves_existing_accounts_alone(monkeypatch, capsys):
    monkeypatch.setenv("DJANGO_DEBUG", "1")
    # A real deployment's administrator, and a real psychologist who happens to be called claire.
    admin = User.objects.create_user("admin", password="le-vrai-mot-de-passe", role=Role.PSYCHOLOGIST)
    claire = User.objects.create_user("claire", password="le-sien-à-elle", role=Role.PSYCHOLOGIST)
    call_command("seed_demo")
    for user, password in ((admin, "le-vrai-mot-de-passe"), (claire, "le-sien-à-elle")):
        user.refresh_from_db()
        assert user.check_password(password) and not user.check_password(DEMO_PASSWORD)
        assert not user.is_superuser and not user.is_staff and user.role == Role.PSYCHOLOGIST
        assert not TOTPDevice.objects.filter(user=user).exists()  # never the published demo key
        assert not hasattr(user, "listener_profile") or user.listener_profile is None
    kept = [line for line in capsys.readouterr().out.splitlines() if "laissés tels quels" in line]
    assert len(kept) == 1 and "claire" in kept[0] and "admin" in kept[0]
    karim = User.objects.get(username="karim")
    assert karim.check_password(DEMO_PASSWORD) and TOTPDevice.objects.get(user=karim).key == DEMO_TOTP_KEY
    assert User.objects.get(username="stats").role == Role.STATISTICIAN
    before = User.objects.count()
    call_command("seed_demo")  # idempotent
    assert User.objects.count() == before
