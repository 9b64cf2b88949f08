"""The supervisors' week: the planner run from the database, its shifts stored, the coverage shown."""

from datetime import date, datetime, time, timedelta

import pytest
from django.utils import timezone

from ecoute.accounts.models import Role
from ecoute.rota import planning
from ecoute.rota.models import AvailabilityException, Commitment, Shift, ShiftStatus, WeeklyAvailability
from tests.support.cast import make_psychologist
from tests.support.twofactor import log_in

pytestmark = pytest.mark.django_db
PAGE = "/espace/planning/"


def monday_ahead(weeks: int = 1) -> date:
    today = timezone.localdate()
    return today - timedelta(days=today.weekday()) + timedelta(weeks=weeks)


@pytest.fixture
def line(settings):
    """Six psychologists covering the day in two halves, two supervisors, a quiet line (no history)."""
    settings.ECOUTE_ROTA_MINIMUM, settings.ECOUTE_ROTA_SUPERVISORS_MINIMUM = 2, 1
    settings.ECOUTE_ROTA_ENGLISH = ["08:00-16:00"]
    settings.ECOUTE_ROTA_SOLVER_SECONDS = 5
    team = []
    for number, (first, last) in enumerate([(8, 16), (8, 16), (16, 0), (16, 0), (8, 16), (16, 0)]):
        user = make_psychologist(f"Psy{number}", languages=("fr", "en") if number == 0 else ("fr",))
        for weekday in range(7):
            WeeklyAvailability.objects.create(user=user, weekday=weekday, start=time(first), end=time(last))
        Commitment.objects.create(user=user, max_hours_per_week=40)
        team.append(user)
    for name in ("Hélène", "Paul"):
        supervisor = make_psychologist(name)
        supervisor.role = Role.SUPERVISOR
        supervisor.save()
        for weekday in range(7):
            WeeklyAvailability.objects.create(
                user=supervisor,
                weekday=weekday,
                start=time(8 if name == "Hélène" else 16),
                end=time(16 if name == "Hélène" else 0),
            )
        team.append(supervisor)
    return team


def test_free_half_hours_follow_the_week_then_the_exceptions_away_winning():
    monday = date(2026, 3, 2)
    weekly = [WeeklyAvailability(weekday=0, start=time(8), end=time(12))]
    exceptions = [
        AvailabilityException(
            first_day=monday, last_day=monday, available=True, start=time(12), end=time(14)
        ),
        AvailabilityException(
            first_day=monday, last_day=monday, available=False, start=time(9), end=time(10)
        ),
    ]
    free = planning.free_half_hours(weekly, exceptions, [monday, monday + timedelta(days=7)])
    assert free[monday] == set(range(16, 18)) | set(range(20, 28))
    assert free[monday + timedelta(days=7)] == set(range(16, 24))


def test_planning_a_week_stores_shifts_inside_everyone_s_availability(line):
    first_day = monday_ahead()
    result = planning.plan_week(first_day, seconds=10)
    assert result.plan.status in ("OPTIMAL", "FEASIBLE")
    shifts = list(Shift.objects.all())
    assert shifts and result.stored == len(shifts)
    for shift in shifts:
        start, end = timezone.localtime(shift.start), timezone.localtime(shift.end)
        assert start.minute == 0 and (end - start) in (timedelta(hours=h) for h in (4, 6, 8))
        window = WeeklyAvailability.objects.get(user=shift.user, weekday=start.weekday())
        assert window.minutes[0] <= start.hour * 60 and (end.hour * 60 or 1440) <= window.minutes[1]
        assert shift.supervising == (shift.user.role == Role.SUPERVISOR)
    # Nights are nobody's: the gaps say so rather than the planner failing.
    night = [gap for gap in result.plan.gaps if result.horizon.moments[gap.index].hour < 8]
    assert night and all(gap.listeners == 2 and gap.supervisors == 1 for gap in night)


def test_planning_again_replaces_the_planned_shifts_and_keeps_the_confirmed(line):
    first_day = monday_ahead()
    planning.plan_week(first_day, seconds=5)
    confirmed = Shift.objects.filter(supervising=False).first()
    confirmed.status = ShiftStatus.CONFIRMED
    confirmed.save()
    planned_before = set(Shift.objects.filter(status=ShiftStatus.PLANNED).values_list("pk", flat=True))
    planning.plan_week(first_day, seconds=5)
    assert Shift.objects.filter(pk=confirmed.pk, status=ShiftStatus.CONFIRMED).exists()
    assert not planned_before & set(Shift.objects.values_list("pk", flat=True))
    overlapping = Shift.objects.filter(user=confirmed.user, start__lt=confirmed.end, end__gt=confirmed.start)
    assert list(overlapping) == [confirmed]


def test_planning_again_keeps_a_shift_offered_to_colleagues_and_its_offer(line):
    from ecoute.rota import swaps
    from ecoute.rota.models import OfferStatus

    first_day = monday_ahead()
    planning.plan_week(first_day, seconds=5)
    offered = Shift.objects.filter(supervising=False, status=ShiftStatus.PLANNED).first()
    offer = swaps.offer(offered.pk, offered.user)
    planning.plan_week(first_day, seconds=5)
    assert Shift.objects.filter(pk=offered.pk, status=ShiftStatus.PLANNED).exists()
    assert offer.__class__.objects.get(pk=offer.pk).status == OfferStatus.OPEN
    overlapping = Shift.objects.filter(user=offered.user, start__lt=offered.end, end__gt=offered.start)
    assert list(overlapping) == [offered]


def test_the_week_page_shows_needs_and_plans_on_request(client, line):
    log_in(client, line[-1])
    first_day = monday_ahead()
    html = client.get(PAGE, {"semaine": first_day.isoformat()}).content.decode()
    assert "0 / 2 −2 S" in html and "Planifier cette semaine" in html
    response = client.post(f"{PAGE}?semaine={first_day.isoformat()}")
    html = response.content.decode()
    assert response.status_code == 200 and "gardes enregistrées" in html
    assert "2 / 2" in html and Shift.objects.exists()


@pytest.mark.parametrize("week", ["lundi", "2026-02-30", "9999-12-31", "0001-01-01"])
def test_a_wrong_week_is_explained(client, line, week):
    log_in(client, line[-1])
    response = client.get(PAGE, {"semaine": week})
    assert response.status_code == 400 and "2026-03-02" in response.content.decode()


def test_psychologists_do_not_open_the_planning(client, line):
    log_in(client, line[0])
    assert client.get(PAGE).status_code == 403
    assert PAGE not in client.get("/espace/disponibilites/").content.decode()


def test_the_rest_holds_across_the_edges_of_the_week_planned(line):
    first_day = monday_ahead()
    night_owl = line[2]  # available 16:00–midnight every day
    sunday_before = planning.midnight(first_day - timedelta(days=1))
    Shift.objects.create(
        user=night_owl, start=sunday_before + timedelta(hours=16), end=sunday_before + timedelta(hours=24)
    )
    monday_after = planning.midnight(first_day + timedelta(days=7))
    Shift.objects.create(
        user=night_owl, start=monday_after + timedelta(hours=8), end=monday_after + timedelta(hours=12)
    )
    horizon = planning.horizon_of(planning.needs(first_day, 7))
    resting = planning.rest_around(horizon, [night_owl])[night_owl.pk]
    starts = [horizon.moments[index] for index in sorted(resting)]
    # Free again at 11:00 on Monday; and done by 21:00 on Sunday, 11 hours before Monday 08:00.
    assert starts[0] == planning.midnight(first_day) and starts[21] == planning.midnight(
        first_day
    ) + timedelta(hours=10, minutes=30)
    assert len(starts) == 22 + 6  # 00:00–11:00 on Monday, 21:00–midnight on Sunday
    assert starts[22] == planning.midnight(first_day + timedelta(days=6)) + timedelta(hours=21)
    planning.plan_week(first_day, seconds=5)
    for shift in Shift.objects.filter(
        user=night_owl, start__gte=planning.midnight(first_day), start__lt=monday_after
    ):
        assert shift.start >= planning.midnight(first_day) + timedelta(hours=11)
        assert shift.end <= monday_after - timedelta(hours=3)


def test_a_supervisor_confirms_cancels_and_gives_back_a_shift(client, line):
    log_in(client, line[-1])
    start = planning.midnight(monday_ahead()) + timedelta(hours=8)
    shift = Shift.objects.create(user=line[0], start=start, end=start + timedelta(hours=4))
    page = client.get(PAGE, {"semaine": monday_ahead().isoformat()}).content.decode()
    assert f"/espace/planning/garde/{shift.pk}/" in page and "Psy0" in page
    for action, status in (
        ("confirm", ShiftStatus.CONFIRMED),
        ("cancel", ShiftStatus.CANCELLED),
        ("plan", ShiftStatus.PLANNED),
    ):
        response = client.post(f"{PAGE}garde/{shift.pk}/", {"action": action})
        assert response.status_code == 302 and monday_ahead().isoformat() in response["Location"]
        shift.refresh_from_db()
        assert shift.status == status
    assert client.post(f"{PAGE}garde/{shift.pk}/", {"action": "delete"}).status_code == 400
    assert client.post(f"{PAGE}garde/0/", {"action": "confirm"}).status_code == 404
    shift.refresh_from_db()
    assert shift.status == ShiftStatus.PLANNED


def test_a_psychologist_cannot_edit_a_shift(client, line):
    log_in(client, line[0])
    start = planning.midnight(monday_ahead()) + timedelta(hours=8)
    shift = Shift.objects.create(user=line[0], start=start, end=start + timedelta(hours=4))
    assert client.post(f"{PAGE}garde/{shift.pk}/", {"action": "cancel"}).status_code == 403
    shift.refresh_from_db()
    assert shift.status == ShiftStatus.PLANNED


def test_a_known_event_is_added_and_raises_the_forecast_of_its_days(client, line):
    from ecoute.calls.models import Call
    from ecoute.rota.forecast import forecast
    from ecoute.rota.models import Adjustment

    log_in(client, line[-1])
    first_day = monday_ahead()
    now = timezone.now()
    Call.objects.bulk_create(
        [
            Call(requested_at=now - timedelta(days=day, minutes=minute))
            for day in range(1, 29)
            for minute in range(0, 1440, 60)
        ]
    )
    before = sum(slot.calls for slot in forecast(first_day, 1))
    url = f"{PAGE}?semaine={first_day.isoformat()}"
    data = {
        "form": "event",
        "first_day": first_day,
        "last_day": first_day,
        "factor": "1.5",
        "reason": "Journée de mobilisation",
    }
    assert client.post(url, data).status_code == 302
    assert sum(slot.calls for slot in forecast(first_day, 1)) == pytest.approx(before * 1.5)
    assert "Journée de mobilisation" in client.get(url).content.decode()
    event = Adjustment.objects.get()
    assert (
        client.post(f"{PAGE}evenement/{event.pk}/supprimer/?semaine={first_day.isoformat()}").status_code
        == 302
    )
    assert not Adjustment.objects.exists()


@pytest.mark.parametrize(
    "change, error",
    [
        ({"factor": "12"}, "inférieure ou égale à 5"),
        ({"factor": "0"}, "supérieure ou égale à 0.1"),
        ({"factor": "beaucoup"}, "Saisissez un nombre"),
        ({"reason": ""}, "Ce champ est obligatoire"),
        ({"last_day": "2026-01-01"}, "Le dernier jour doit venir après le premier"),
        ({"first_day": "hier"}, "Saisissez une date valide"),
    ],
)
def test_a_wrong_event_is_explained_and_not_stored(client, line, change, error):
    from ecoute.rota.models import Adjustment

    log_in(client, line[-1])
    first_day = monday_ahead()
    data = {
        "form": "event",
        "first_day": first_day,
        "last_day": first_day,
        "factor": "1.5",
        "reason": "Noël",
        **change,
    }
    response = client.post(f"{PAGE}?semaine={first_day.isoformat()}", data)
    assert response.status_code == 400 and error in response.content.decode()
    assert not Adjustment.objects.exists()


def test_the_half_hours_gone_by_show_the_fewest_listeners_who_were_online(line):
    from ecoute.presence import history
    from ecoute.presence.models import OnlineMinute, Presence, Status
    from ecoute.rota import coverage

    last_week = monday_ahead(weeks=-1)
    slot = timezone.make_aware(datetime.combine(last_week, time(10)))
    # Three timers passes in one minute (several processes): one count. Then two minutes with
    # three and one listeners on the line.
    Presence.objects.filter(user__in=line[:3]).update(status=Status.AVAILABLE)
    for second in (1, 20, 40):
        history.note_this_minute(slot + timedelta(seconds=second))
    Presence.objects.filter(user__in=line[1:3]).update(status=Status.OFFLINE)
    history.note_this_minute(slot + timedelta(minutes=7))
    assert list(OnlineMinute.objects.order_by("minute").values_list("listeners", flat=True)) == [3, 1]

    cells = {cell.start: cell for cell in coverage.week_cells(last_week)}
    gone_by = cells[slot]
    assert gone_by.online == 1 and not gone_by.current  # one minute with one listener: the fewest
    assert gone_by.online_missing == gone_by.needed - 1 and gone_by.short
    assert cells[slot + timedelta(minutes=30)].online is None  # nothing counted then


def test_the_half_hour_under_way_shows_who_is_online_now(client, line):
    from ecoute.presence.models import Presence, Status

    Presence.objects.filter(user__in=line[:2]).update(status=Status.IN_CALL)
    log_in(client, line[-1])
    html = client.get(PAGE).content.decode()
    assert 'class="short now"' in html or 'class="ok now"' in html
    assert "en ligne : 2" in html
