"""Reading a colleague's note asks for the second factor again when the last check is a few minutes old."""

import time

import pytest

from ecoute.accounts import sessions
from ecoute.accounts.models import Role
from ecoute.contacts.models import NoteRead
from ecoute.security.models import SecurityEvent, SecurityEventKind
from tests.support.cast import make_psychologist
from tests.support.contacts import make_record, make_staff
from tests.support.twofactor import current_code, give_authenticator, log_in

pytestmark = pytest.mark.django_db
CANARY = "CANARI-reauth-77"
REASON = "Réunion de supervision du mardi"


@pytest.fixture(autouse=True)
def no_device_pause(settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # django-otp's own pause after a wrong code, tested by django-otp


def checked_minutes_ago(client, minutes: float) -> None:
    session = client.session
    session[sessions.VERIFIED] = time.time() - minutes * 60
    session.save()


def test_a_colleagues_note_needs_a_fresh_code_when_the_last_check_is_old(client, settings):
    claire = make_psychologist("Claire")
    record = make_record(claire, note=f"{CANARY} la note")
    cadre = make_staff(Role.SUPERVISOR, "Hélène")
    device = give_authenticator(cadre)
    log_in(client, cadre)
    url = f"/espace/fiches/{record.pk}/note/"
    assert 'name="token"' not in client.get(url).content.decode()  # just logged in: the reason is enough

    checked_minutes_ago(client, settings.ECOUTE_REAUTH_MINUTES + 1)
    assert 'name="token"' in client.get(url).content.decode()
    without = client.post(url, {"reason": REASON})
    wrong = client.post(
        url, {"reason": REASON, "token": "000000" if current_code(device) != "000000" else "111111"}
    )
    for refused in (without, wrong):
        assert refused.status_code == 400 and CANARY not in refused.content.decode()
    assert not NoteRead.objects.exists()

    shown = client.post(url, {"reason": REASON, "token": current_code(device)})
    assert shown.status_code == 200 and CANARY in shown.content.decode()
    assert NoteRead.objects.get().reader == cadre
    assert 'name="token"' not in client.get(url).content.decode()  # checked again just now
    accepted = list(
        SecurityEvent.objects.filter(kind=SecurityEventKind.REAUTHENTICATION).values_list(
            "details__accepted", flat=True
        )
    )
    assert accepted == [True, False]  # newest first: the right code, after the wrong one


def test_the_author_rereads_their_own_note_without_a_code(client, settings):
    claire = make_psychologist("Claire")
    record = make_record(claire, note=f"{CANARY} la note")
    log_in(client, claire)
    checked_minutes_ago(client, settings.ECOUTE_REAUTH_MINUTES + 60)
    assert CANARY in client.get(f"/espace/fiches/{record.pk}/note/").content.decode()
