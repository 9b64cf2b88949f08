"""A psychologist offers a shift; eligible colleagues are told; the first to take it gets it; a handover
that would leave the line short waits for a supervisor."""

import html
import threading
from datetime import datetime, time, timedelta

import pytest
from django.core import mail
from django.db import connection, transaction
from django.utils import timezone
from icalendar import Calendar

from ecoute.accounts.models import Role
from ecoute.calls.models import Priority
from ecoute.programme import worker
from ecoute.programme.models import MailKind, OutboxMessage
from ecoute.rota import swaps
from ecoute.rota.models import Commitment, OfferStatus, Shift, ShiftOffer, ShiftStatus, WeeklyAvailability
from tests.rota.shifts import worked_shift
from tests.support.cast import make_psychologist
from tests.support.threads import run_together
from tests.support.twofactor import log_in
from tests.support.waiting import wait_for

pytestmark = pytest.mark.django_db


def next_weekday(weekday: int, hour: int) -> datetime:
    """The local datetime, at HOUR, of the given weekday at least two days ahead."""
    day = timezone.localdate() + timedelta(days=2)
    while day.weekday() != weekday:
        day += timedelta(days=1)
    return timezone.make_aware(datetime.combine(day, time(hour)))


def colleague(
    name: str, weekday: int, start=time(8), end=time(22), languages=("fr",), role=Role.PSYCHOLOGIST
):
    user = make_psychologist(name, languages=languages)
    user.email, user.role = f"{name.lower()}@example.org", role
    user.save()
    WeeklyAvailability.objects.create(user=user, weekday=weekday, start=start, end=end)
    return user


def shift_of(user, start: datetime, hours: int = 4, **fields) -> Shift:
    return Shift.objects.create(user=user, start=start, end=start + timedelta(hours=hours), **fields)


def feed_statuses(client, user) -> list[str]:
    key = Commitment.objects.get_or_create(user=user)[0].feed_key
    events = Calendar.from_ical(client.get(f"/gardes/{key}.ics").content).walk("VEVENT")
    return [str(event["status"]) for event in events]


def test_an_eligible_colleague_is_told_takes_the_shift_and_both_calendars_follow(client, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    start = next_weekday(2, 10)
    claire = colleague("Claire", 2)
    marc = colleague("Marc", 2)
    colleague("Nina", 3)  # not available on Wednesdays: not told
    given = shift_of(claire, start, status=ShiftStatus.CONFIRMED)
    log_in(client, claire)
    response = client.post(f"/espace/disponibilites/garde/{given.pk}/proposer/", follow=True)
    assert "les collègues disponibles sont prévenus" in response.content.decode()
    offer = ShiftOffer.objects.get(shift=given)
    assert list(OutboxMessage.objects.values_list("kind", "recipient")) == [(MailKind.SHIFT_OFFER, marc.pk)]
    assert worker.send_due()["sent"] == 1
    assert mail.outbox[0].to == [marc.email] and "Garde proposée" in mail.outbox[0].subject
    assert "10:00–14:00" in mail.outbox[0].subject

    log_in(client, marc)
    page = client.get("/espace/disponibilites/").content.decode()
    assert "Prendre cette garde" in page and f"/espace/gardes-proposees/{offer.pk}/prendre/" in page
    response = client.post(f"/espace/gardes-proposees/{offer.pk}/prendre/", follow=True)
    assert "La garde est à vous" in response.content.decode()
    offer.refresh_from_db()
    assert offer.status == OfferStatus.TAKEN and offer.taker == marc
    taken = Shift.objects.get(user=marc)
    assert (taken.start, taken.end, taken.status) == (given.start, given.end, ShiftStatus.CONFIRMED)
    assert Shift.objects.get(pk=given.pk).status == ShiftStatus.CANCELLED
    assert feed_statuses(client, claire) == ["CANCELLED"] and feed_statuses(client, marc) == ["CONFIRMED"]


def test_an_e_mail_for_an_offer_taken_meanwhile_is_dropped_not_sent(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    start = next_weekday(2, 10)
    claire, marc = colleague("Claire", 2), colleague("Marc", 2)
    colleague("Nina", 2)
    offer = swaps.offer(shift_of(claire, start).pk, claire)
    swaps.take(offer.pk, marc)
    # The offer's e-mails to Marc and Nina are dropped; Claire is told her shift was taken.
    assert worker.send_due() == {"sent": 1, "dropped": 2, "failed": 0}
    assert [message.to for message in mail.outbox] == [[claire.email]]


def test_an_ineligible_colleague_is_refused_with_the_reason_and_nothing_changes(client):
    start = next_weekday(2, 10)
    claire, marc = colleague("Claire", 2), colleague("Marc", 2)
    offer = swaps.offer(shift_of(claire, start).pk, claire)
    shift_of(marc, start - timedelta(hours=6))  # ends 2 h before: far less than 11 h of rest
    log_in(client, marc)
    assert "Prendre cette garde" not in client.get("/espace/disponibilites/").content.decode()
    response = client.post(f"/espace/gardes-proposees/{offer.pk}/prendre/", follow=True)
    page = response.content.decode()
    assert 'role="alert"' in page and "Moins de 11 h de repos avec votre garde du" in page
    assert ShiftOffer.objects.get(pk=offer.pk).status == OfferStatus.OPEN
    assert Shift.objects.filter(user=marc).count() == 1


@pytest.mark.parametrize(
    "rule, reason",
    [
        ("availability", "sort de vos disponibilités"),
        ("hours", "Vous dépasseriez vos 4 heures"),
        ("english", "personne parlant anglais"),
        ("own", "C'est votre propre garde"),
    ],
)
def test_each_rule_of_the_planner_makes_a_colleague_ineligible(rule, reason):
    start = next_weekday(2, 10)
    claire = colleague("Claire", 2, languages=("fr", "en"))
    marc = colleague(
        "Marc", 2 if rule != "availability" else 3, languages=("fr",) if rule == "english" else ("fr", "en")
    )
    if rule == "hours":
        Commitment.objects.create(user=marc, max_hours_per_week=4)
        shift_of(marc, start - timedelta(days=2), hours=1)
    shift = shift_of(claire, start)
    taker = claire if rule == "own" else marc
    assert any(reason in text for text in swaps.reasons_against(taker, shift))
    with pytest.raises(swaps.SwapError, match="Vous ne pouvez pas reprendre cette garde"):
        swaps.take(swaps.offer(shift.pk, claire).pk, taker)


def test_a_fourth_night_in_a_row_is_refused():
    claire, marc = colleague("Claire", 3, time(0), time(6)), colleague("Marc", 3, time(0), time(6))
    night = next_weekday(3, 0)
    Commitment.objects.create(user=marc, max_hours_per_week=40)
    for before in (1, 2, 3):
        shift_of(marc, night - timedelta(days=before), hours=6)
    shift = shift_of(claire, night, hours=6)
    assert swaps.reasons_against(marc, shift) == ["Ce serait plus de 3 nuits de garde d'affilée."]


def test_a_handover_that_would_leave_the_line_under_the_minimum_waits_for_a_supervisor(client):
    start = next_weekday(2, 10)
    helene = colleague("Hélène", 2, role=Role.SUPERVISOR)
    paul = make_psychologist("Paul")
    paul.role = Role.SUPERVISOR
    paul.save()
    marc = colleague("Marc", 2)
    supervision = shift_of(helene, start, supervising=True, status=ShiftStatus.CONFIRMED)
    offer = swaps.offer(supervision.pk, helene)
    taken = swaps.take(offer.pk, marc)  # Marc does not supervise: no supervisor would be on duty
    assert taken.status == OfferStatus.PENDING
    assert Shift.objects.get(pk=supervision.pk).status == ShiftStatus.CONFIRMED
    assert not Shift.objects.filter(user=marc).exists()
    with pytest.raises(swaps.SwapError, match="déjà été reprise"):
        swaps.take(offer.pk, colleague("Nina", 2))

    log_in(client, paul)
    week = client.get(f"/espace/planning/?semaine={start.date().isoformat()}").content.decode()
    assert "Échanges à valider" in week and "8 demi-heures en dessous du minimum, dès 10:00" in week
    client.post(f"/espace/planning/echange/{offer.pk}/", {"action": "refuse"})
    assert ShiftOffer.objects.get(pk=offer.pk).status == OfferStatus.REFUSED
    assert Shift.objects.get(pk=supervision.pk).status == ShiftStatus.CONFIRMED
    assert client.post(f"/espace/planning/echange/{offer.pk}/", {"action": "whatever"}).status_code == 400

    again = swaps.offer(supervision.pk, helene)
    swaps.take(again.pk, marc)
    client.post(f"/espace/planning/echange/{again.pk}/", {"action": "approve"})
    assert ShiftOffer.objects.get(pk=again.pk).status == OfferStatus.TAKEN
    assert Shift.objects.get(pk=supervision.pk).status == ShiftStatus.CANCELLED
    assert Shift.objects.get(user=marc).supervising is False


def test_a_like_for_like_handover_is_applied_at_once():
    start = next_weekday(2, 10)
    claire, marc = colleague("Claire", 2), colleague("Marc", 2)
    shift = shift_of(claire, start)
    assert swaps.shortfall(shift, marc) == []
    assert swaps.take(swaps.offer(shift.pk, claire).pk, marc).status == OfferStatus.TAKEN


def test_the_giver_withdraws_the_offer_before_it_is_taken_and_not_after(client):
    start = next_weekday(2, 10)
    claire, marc = colleague("Claire", 2), colleague("Marc", 2)
    shift = shift_of(claire, start)
    offer = swaps.offer(shift.pk, claire)
    with pytest.raises(swaps.SwapError, match="déjà proposée"):
        swaps.offer(shift.pk, claire)
    with pytest.raises(swaps.SwapError, match="Seule la personne"):
        swaps.withdraw(offer.pk, marc)
    log_in(client, claire)
    response = client.post(f"/espace/gardes-proposees/{offer.pk}/retirer/", follow=True)
    assert "la garde reste la vôtre" in response.content.decode()
    with pytest.raises(swaps.SwapError, match="déjà été reprise par un collègue, ou retirée"):
        swaps.take(offer.pk, marc)
    taken = swaps.take(swaps.offer(shift.pk, claire).pk, marc)
    with pytest.raises(swaps.SwapError, match="Trop tard"):
        swaps.withdraw(taken.pk, claire)


def test_only_one_s_own_future_shift_can_be_offered(client):
    claire, marc = colleague("Claire", 2), colleague("Marc", 2)
    theirs = shift_of(marc, next_weekday(2, 10))
    past = shift_of(claire, timezone.now() - timedelta(days=1))
    with pytest.raises(swaps.SwapError, match="pas la vôtre"):
        swaps.offer(theirs.pk, claire)
    with pytest.raises(swaps.SwapError, match="à venir"):
        swaps.offer(past.pk, claire)
    log_in(client, claire)
    response = client.post(f"/espace/gardes-proposees/{10**9}/prendre/", follow=True)
    assert "Cette proposition n'existe plus." in html.unescape(response.content.decode())
    assert not ShiftOffer.objects.exists()


def test_after_two_high_intensity_shifts_in_a_row_a_colleague_recovers_before_taking_another(settings):
    settings.ECOUTE_ROTA_RECOVERY_HOURS = 72
    claire = colleague("Claire", (timezone.localdate() + timedelta(days=1)).weekday(), time(0), time(0))
    marc = colleague("Marc", (timezone.localdate() + timedelta(days=1)).weekday(), time(0), time(0))
    worked_shift(marc, 40, priority=Priority.URGENT)  # the danger button
    worked_shift(marc, 20, minutes=75)  # a long call
    tomorrow = timezone.make_aware(datetime.combine(timezone.localdate() + timedelta(days=1), time(12)))
    shift = shift_of(claire, tomorrow)
    assert any("gardes intenses d'affilée" in reason for reason in swaps.reasons_against(marc, shift))
    settings.ECOUTE_ROTA_INTENSE_IN_A_ROW = 3
    assert swaps.reasons_against(marc, shift) == []


@pytest.mark.django_db(transaction=True)
def test_two_colleagues_taking_the_same_shift_at_once_one_gets_it_the_other_is_told():
    start = next_weekday(2, 10)
    claire, marc, nina = colleague("Claire", 2), colleague("Marc", 2), colleague("Nina", 2)
    offer = swaps.offer(shift_of(claire, start).pk, claire)
    outcome = {}

    def race():
        outcome["results"] = run_together(
            [lambda: swaps.take(offer.pk, marc), lambda: swaps.take(offer.pk, nina)]
        )

    racer = threading.Thread(target=race)
    # Both takers start while the offer is held: each must wait for the other, none reads it stale.
    with transaction.atomic():
        ShiftOffer.objects.select_for_update().get(pk=offer.pk)
        racer.start()
        wait_for(lambda: waiting_for_a_lock() >= 2 or not racer.is_alive(), what="both takers waiting")
    racer.join()
    won = [r for r in outcome["results"] if isinstance(r, ShiftOffer)]
    lost = [r for r in outcome["results"] if isinstance(r, swaps.SwapError)]
    assert len(won) == 1 and len(lost) == 1, outcome["results"]
    assert "déjà été reprise par un collègue" in str(lost[0])
    assert Shift.objects.filter(status=ShiftStatus.CONFIRMED).count() == 1
    assert ShiftOffer.objects.get(pk=offer.pk).taker == won[0].taker


def waiting_for_a_lock() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_one_colleague_taking_two_overlapping_shifts_at_once_gets_one_and_the_rule_for_the_other():
    start = next_weekday(2, 10)
    claire, nina, marc = colleague("Claire", 2), colleague("Nina", 2), colleague("Marc", 2)
    offers = [swaps.offer(shift_of(giver, start).pk, giver) for giver in (claire, nina)]
    Commitment.objects.get_or_create(user=marc)
    outcome = {}

    def race():
        outcome["results"] = run_together(
            [lambda offer=offer: swaps.take(offer.pk, marc) for offer in offers]
        )

    racer = threading.Thread(target=race)
    # Both takings start while Marc's commitment is held: the second must see the first one's shift.
    with transaction.atomic():
        Commitment.objects.select_for_update().get(user=marc)
        racer.start()
        wait_for(lambda: waiting_for_a_lock() >= 2 or not racer.is_alive(), what="both takings waiting")
    racer.join()
    lost = [r for r in outcome["results"] if isinstance(r, swaps.SwapError)]
    assert len(lost) == 1 and "Moins de 11 h de repos" in str(lost[0]), outcome["results"]
    assert Shift.objects.filter(user=marc).count() == 1
