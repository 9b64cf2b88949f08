"""The registration rules of the programme (ecoute/programme/actions.py), one behaviour per test."""

from datetime import timedelta

import pytest
from django.utils import timezone

from ecoute.programme import actions
from ecoute.programme.actions import AlreadyRegistered, EventClosed, IllegalTransition, WorkshopProblem
from ecoute.programme.models import MailKind, Member, OutboxMessage, Registration, State
from tests.programme.support import make_event, make_jades_day, make_questions

pytestmark = pytest.mark.django_db


def register(event, email, **fields):
    return actions.register(event.pk, email=email, name=fields.pop("name", "Camille Martin"), **fields)


def states(event) -> list[str]:
    return list(event.registrations.order_by("registered_at", "pk").values_list("state", flat=True))


def mails(registration) -> list[str]:
    return list(registration.mails.order_by("send_after", "pk").values_list("kind", flat=True))


def test_places_are_held_up_to_capacity_then_the_waiting_list_starts():
    event = make_event(capacity=2, price=50)
    for n in range(4):
        register(event, f"p{n}@example.org")
    assert states(event) == [State.REGISTERED, State.REGISTERED, State.WAITING, State.WAITING]
    assert actions.places_left(event) == 0


def test_a_free_event_overbooks_by_its_rate():
    event = make_event(capacity=10, price=0, overbooking_percent=20)
    for n in range(13):
        register(event, f"p{n}@example.org")
    assert states(event).count(State.REGISTERED) == 12
    assert states(event).count(State.WAITING) == 1


def test_a_paying_event_never_overbooks():
    event = make_event(capacity=2, price=120, overbooking_percent=50)
    for n in range(3):
        register(event, f"p{n}@example.org")
    assert states(event) == [State.REGISTERED, State.REGISTERED, State.WAITING]


def test_members_register_free_by_email_or_code_others_pay():
    event = make_event(price=180, free_for_members=True)
    year = timezone.localtime(event.starts_at).year
    Member.objects.create(email="adherente@example.org", name="A", year=year, code="SPS-0042")
    by_email = register(event, "Adherente@Example.org")
    by_code = register(event, "autre@example.org", member_code="sps-0042")
    stranger = register(event, "inconnu@example.org")
    assert (by_email.member, by_email.price_due) == (True, 0)
    assert (by_code.member, by_code.price_due) == (True, 0)
    assert (stranger.member, stranger.price_due) == (False, 180)


def test_a_batch_prices_each_person_as_one_at_a_time_would_in_a_fixed_number_of_queries(
    django_assert_max_num_queries,
):
    event = make_event(price=180, free_for_members=True, capacity=50)
    year = timezone.localtime(event.starts_at).year
    Member.objects.create(email="adherente@example.org", name="A", year=year, code="SPS-0042")
    Member.objects.create(email="ancienne@example.org", name="B", year=year - 5, code="SPS-0001")
    applications = [
        actions.Application(email="Adherente@Example.org"),
        actions.Application(email="autre@example.org", member_code=" sps-0042 "),
        actions.Application(email="ancienne@example.org", member_code="SPS-0001"),  # a past year's
        *(actions.Application(email=f"p{n}@example.org") for n in range(30)),
    ]
    # The whole batch, whatever its size: event, prices, lock, slots, duplicates, places, writes.
    with django_assert_max_num_queries(12):
        outcomes = actions.register_many(event.pk, applications)
    prices = [(o.member, o.price_due) for o in outcomes[:3]]
    assert prices == [(True, 0), (True, 0), (False, 180)]
    assert {(o.member, o.price_due) for o in outcomes[3:]} == {(False, 180)}


def test_a_duplicate_registration_is_refused_and_changes_nothing():
    event = make_event()
    first = register(event, "camille@example.org")
    before = (Registration.objects.count(), OutboxMessage.objects.count())
    with pytest.raises(AlreadyRegistered):
        register(event, " CAMILLE@example.org ")
    assert (Registration.objects.count(), OutboxMessage.objects.count()) == before
    actions.cancel(first.pk)
    assert register(event, "camille@example.org").state == State.REGISTERED  # after cancelling, again


@pytest.mark.parametrize(
    "change",
    [
        {"starts_at": timezone.now() - timedelta(hours=1)},
        {"published": False},
        {"cancelled_at": timezone.now()},
    ],
    ids=["past", "unpublished", "cancelled"],
)
def test_a_closed_event_refuses_registrations(change):
    event = make_event(**change)
    with pytest.raises(EventClosed):
        register(event, "camille@example.org")
    assert Registration.objects.count() == 0 and OutboxMessage.objects.count() == 0


def test_a_registration_writes_its_confirmation_and_reminders_to_the_outbox():
    make_questions()  # a training: its questionnaires (test_questionnaires.py) go too
    event = make_event(starts_at=timezone.now() + timedelta(days=10), price=0)
    registration = register(event, "camille@example.org")
    assert mails(registration) == [
        MailKind.CONFIRMATION,
        MailKind.REMINDER,
        MailKind.SURVEY_BEFORE,
        MailKind.CONFIRM_ASK,
        MailKind.REMINDER,
        MailKind.SURVEY_AFTER,
    ]
    due = dict(registration.mails.values_list("kind", "send_after"))
    assert due[MailKind.CONFIRM_ASK] == event.starts_at - timedelta(days=2)


def test_an_online_session_sends_its_join_link_an_hour_before():
    event = make_event(
        online=True,
        starts_at=timezone.now() + timedelta(days=3),
        price=0,
        join_url="https://visio.example.org/x",
    )
    registration = register(event, "pseudo@example.org", name="")
    join = registration.mails.get(kind=MailKind.JOIN_LINK)
    assert join.send_after == event.starts_at - timedelta(hours=1)


def test_a_cancelled_place_is_offered_to_the_first_waiting_with_a_deadline():
    event = make_event(capacity=1, price=50)
    holder = register(event, "a@example.org")
    first = register(event, "b@example.org")
    second = register(event, "c@example.org")
    actions.cancel(holder.pk)
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.state == State.OFFERED and second.state == State.WAITING
    assert first.offer_expires_at == pytest.approx(
        timezone.now() + timedelta(hours=24), abs=timedelta(minutes=1)
    )
    assert MailKind.OFFER in mails(first)


def test_an_offer_lapses_and_goes_to_the_next_in_order():
    event = make_event(capacity=1, price=50)
    holder = register(event, "a@example.org")
    first, second = register(event, "b@example.org"), register(event, "c@example.org")
    actions.cancel(holder.pk)
    assert actions.expire_offers(timezone.now() + timedelta(hours=25)) == 1
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.state == State.CANCELLED and second.state == State.OFFERED


def test_an_offer_taken_in_time_is_confirmed_and_a_late_one_is_refused():
    event = make_event(capacity=1, price=50)
    holder = register(event, "a@example.org")
    waiting = register(event, "b@example.org")
    actions.cancel(holder.pk)
    actions.confirm(waiting.pk)
    waiting.refresh_from_db()
    assert waiting.state == State.CONFIRMED
    assert MailKind.CONFIRMATION in mails(waiting)

    late = register(event, "c@example.org")
    actions.cancel(waiting.pk)
    late.refresh_from_db()
    Registration.objects.filter(pk=late.pk).update(offer_expires_at=timezone.now() - timedelta(seconds=1))
    with pytest.raises(IllegalTransition):
        actions.confirm(late.pk)
    late.refresh_from_db()
    assert late.state == State.OFFERED


def test_unconfirmed_places_of_a_free_event_are_released_only_to_those_waiting():
    event = make_event(capacity=3, price=0, starts_at=timezone.now() + timedelta(days=5))
    holders = [register(event, f"h{n}@example.org") for n in range(3)]
    waiting = register(event, "w@example.org")
    asked = timezone.now() - timedelta(hours=25)
    Registration.objects.filter(pk__in=[h.pk for h in holders]).update(confirm_asked_at=asked)
    actions.confirm(holders[0].pk)
    assert actions.release_unconfirmed() == 1
    assert states(event) == [State.CONFIRMED, State.REGISTERED, State.CANCELLED, State.OFFERED]
    assert actions.release_unconfirmed() == 0  # nobody else waits: nobody else loses a place
    waiting.refresh_from_db()
    assert waiting.state == State.OFFERED


def test_illegal_moves_change_nothing():
    event = make_event()
    registration = register(event, "a@example.org")
    actions.cancel(registration.pk)
    for move in (actions.cancel, actions.attend, actions.confirm):
        with pytest.raises(IllegalTransition):
            move(registration.pk)
    registration.refresh_from_db()
    assert registration.state == State.CANCELLED


def test_attendance_and_no_show_are_staff_moves_either_way():
    registration = register(make_event(), "a@example.org")
    actions.attend(registration.pk)
    actions.no_show(registration.pk)
    actions.attend(registration.pk)
    registration.refresh_from_db()
    assert registration.state == State.ATTENDED


def test_a_jades_day_takes_one_workshop_per_slot_within_its_places():
    event, (morning, afternoon) = make_jades_day(workshop_places=1)
    registration = register(event, "a@example.org", workshop_ids=[morning[0].pk, afternoon[1].pk])
    assert sorted(registration.choices.values_list("workshop_id", flat=True)) == sorted(
        [morning[0].pk, afternoon[1].pk]
    )
    for wrong in (
        [morning[1].pk],
        [morning[0].pk, morning[1].pk],
        [morning[0].pk, afternoon[0].pk],
        [999999],
    ):
        with pytest.raises(WorkshopProblem):
            register(event, "b@example.org", workshop_ids=wrong)
    assert Registration.objects.filter(email="b@example.org").count() == 0


def test_cancelling_an_event_tells_everyone_with_a_calendar_cancel():
    event = make_event(capacity=1, price=50)
    holder, waiting = register(event, "a@example.org"), register(event, "b@example.org")
    assert actions.cancel_event(event.pk) == 2
    assert set(states(event)) == {State.CANCELLED}
    assert MailKind.EVENT_CANCELLED in mails(holder) and MailKind.EVENT_CANCELLED in mails(waiting)
    with pytest.raises(IllegalTransition):
        actions.cancel_event(event.pk)


def test_certificates_only_for_those_present_with_a_short_unique_code():
    event = make_event()
    present, absent = register(event, "a@example.org"), register(event, "b@example.org")
    actions.attend(present.pk)
    with pytest.raises(IllegalTransition):
        actions.issue_certificate(absent.pk)
    issued = actions.issue_certificate(present.pk)
    assert len(issued.certificate_code) == 10
    assert set(issued.certificate_code) <= set(actions.CODE_ALPHABET)
    assert actions.issue_certificate(present.pk).certificate_code == issued.certificate_code


def test_the_purge_forgets_registrants_after_the_event_and_attendance_after_the_proof_period():
    past = make_event(starts_at=timezone.now() + timedelta(days=1))
    came = register(past, "a@example.org")
    register(past, "b@example.org")  # did not come
    actions.attend(came.pk)
    future = make_event(starts_at=timezone.now() + timedelta(days=4 * 365))
    stays = register(future, "c@example.org")
    later = past.ends_at + timedelta(days=91)
    done = actions.purge(later)
    assert done["registrations"] == 1
    assert set(Registration.objects.values_list("pk", flat=True)) == {came.pk, stays.pk}
    assert actions.purge(past.ends_at + timedelta(days=3 * 365 + 1))["attendances"] == 1
    assert list(Registration.objects.values_list("pk", flat=True)) == [stays.pk]


def test_a_batch_gives_places_in_order_and_refuses_each_wrong_one_alone():
    event, (morning, afternoon) = make_jades_day(workshop_places=1)
    event.capacity = 2
    event.save()
    apply = actions.Application
    outcomes = actions.register_many(
        event.pk,
        [
            apply(email="a@example.org", workshop_ids=[morning[0].pk, afternoon[0].pk]),
            apply(email="A@example.org", workshop_ids=[morning[1].pk, afternoon[1].pk]),  # twice in one batch
            apply(email="b@example.org", workshop_ids=[morning[0].pk, afternoon[1].pk]),  # taken just above
            apply(email="c@example.org", workshop_ids=[morning[1].pk, afternoon[1].pk]),
            apply(email="d@example.org", workshop_ids=[]),
        ],
    )
    kinds = [type(outcome).__name__ for outcome in outcomes]
    assert kinds == [
        "Registration",
        "AlreadyRegistered",
        "WorkshopProblem",
        "Registration",
        "WorkshopProblem",
    ]
    assert states(event) == [State.REGISTERED, State.REGISTERED]
    assert [mails(outcome)[0] for outcome in outcomes if isinstance(outcome, Registration)] == [
        MailKind.CONFIRMATION,
        MailKind.CONFIRMATION,
    ]


def test_a_batch_past_the_limit_puts_the_rest_on_the_waiting_list():
    event = make_event(capacity=3, price=20)
    outcomes = actions.register_many(
        event.pk, [actions.Application(email=f"p{n}@example.org") for n in range(5)]
    )
    assert [outcome.state for outcome in outcomes] == [State.REGISTERED] * 3 + [State.WAITING] * 2
    assert OutboxMessage.objects.filter(kind=MailKind.WAITING).count() == 2


def test_registering_in_the_last_hour_of_an_online_session_still_sends_the_link_at_once():
    event = make_event(online=True, kind="ejades", starts_at=timezone.now() + timedelta(minutes=20), price=0)
    registration = register(event, "late@example.org", name="")
    join = registration.mails.get(kind=MailKind.JOIN_LINK)
    assert join.send_after <= timezone.now() + timedelta(seconds=1)
