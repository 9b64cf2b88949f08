"""The e-mails of swaps and open shifts, through the outbox to a real SMTP server on loopback: the
colleagues who could take a shift, the giver once it is taken, the supervisors for a handover that
waits for them, and both psychologists once they decided."""

import pytest

from ecoute.accounts.models import Role
from ecoute.programme import worker
from ecoute.rota import swaps
from ecoute.rota.models import ShiftStatus
from tests.programme.smtp import smtp  # noqa: F401 (fixture)
from tests.rota.test_swaps import colleague, next_weekday, shift_of

pytestmark = pytest.mark.django_db


def body(message) -> str:
    return message.get_body(("plain",)).get_content()


def subject(message) -> str:
    return str(message["Subject"]).strip()


def test_the_giver_is_told_by_e_mail_when_a_colleague_takes_her_shift(smtp):
    start = next_weekday(2, 10)
    claire, marc = colleague("Claire", 2), colleague("Marc", 2)
    offer = swaps.offer(shift_of(claire, start).pk, claire)
    assert worker.send_due()["sent"] == 1
    [offered] = smtp.to(marc.email)
    assert subject(offered).startswith("Garde proposée") and "/espace/disponibilites/#offers-title" in body(
        offered
    )

    swaps.take(offer.pk, marc)
    assert worker.send_due() == {"sent": 1, "dropped": 0, "failed": 0}
    [taken] = smtp.to(claire.email)
    assert subject(taken).startswith("Votre garde est reprise") and "10:00–14:00" in subject(taken)
    assert "Marc a repris la garde que vous proposiez" in body(taken)
    assert len(smtp.to(marc.email)) == 1  # the taker knows: nothing more to him


def test_a_handover_under_the_minimum_asks_the_supervisors_by_e_mail_then_tells_both_the_decision(smtp):
    start = next_weekday(2, 10)
    helene = colleague("Hélène", 2, role=Role.SUPERVISOR)
    paul = colleague("Paul", 4, role=Role.SUPERVISOR)  # not available that day: not offered it, but decides
    marc = colleague("Marc", 2)
    supervision = shift_of(helene, start, supervising=True, status=ShiftStatus.CONFIRMED)
    offer = swaps.offer(supervision.pk, helene)
    worker.send_due()
    smtp.messages.clear()

    swaps.take(offer.pk, marc)  # Marc does not supervise: the line would have no supervisor on duty
    assert worker.send_due() == {"sent": 2, "dropped": 0, "failed": 0}
    asked = {message["To"]: message for message in smtp.messages}
    assert set(asked) == {helene.email, paul.email}  # every supervisor; nothing to Marc yet
    assert subject(asked[paul.email]).startswith("Échange de garde à valider")
    assert "Marc veut reprendre la garde de Hélène" in body(asked[paul.email])
    assert f"/espace/planning/?semaine={start.date().isoformat()}" in body(asked[paul.email])
    smtp.messages.clear()

    swaps.decide(offer.pk, paul, approve=False)
    assert worker.send_due() == {"sent": 2, "dropped": 0, "failed": 0}
    told = {message["To"]: message for message in smtp.messages}
    assert set(told) == {helene.email, marc.email}
    assert all(subject(message).startswith("Échange de garde refusé") for message in told.values())
    assert "reste à Hélène" in body(told[marc.email])
    smtp.messages.clear()

    again = swaps.offer(supervision.pk, helene)
    swaps.take(again.pk, marc)
    swaps.decide(again.pk, paul, approve=True)  # before any e-mail went: the offer's to Marc and the
    assert worker.send_due() == {"sent": 2, "dropped": 3, "failed": 0}  # supervisors' are dropped
    told = {message["To"]: message for message in smtp.messages}
    assert set(told) == {helene.email, marc.email}
    assert "passe de Hélène à Marc" in body(told[helene.email])
    assert subject(told[helene.email]).startswith("Échange de garde accepté")
