"""Listener protection across shifts: crisis calls and long calls make a shift high-intensity; after too
many in a row the planner lets the listener recover; after an emergency a debrief is offered."""

from datetime import UTC, time, timedelta

import pytest
from django.utils import timezone

from ecoute.accounts.models import Role
from ecoute.calls.models import Call, Priority
from ecoute.rota import intensity, planning
from ecoute.rota.models import Shift, WeeklyAvailability
from tests.rota.shifts import worked_shift
from tests.support.cast import make_psychologist
from tests.support.twofactor import log_in

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "call, intense",
    [
        ({"priority": Priority.URGENT}, True),  # the caller pressed « danger »
        ({"high_risk": True}, True),  # the psychologist signalled a life-threatening emergency
        ({"minutes": 60}, True),  # a long call
        ({"minutes": 59}, False),
        ({}, False),
    ],
)
def test_what_makes_a_shift_high_intensity(call, intense):
    claire = make_psychologist("Claire")
    assert intensity.is_intense(worked_shift(claire, 2, **call)) is intense


def test_a_call_answered_by_someone_else_or_outside_the_shift_does_not_count():
    claire, marc = make_psychologist("Claire"), make_psychologist("Marc")
    shift = worked_shift(marc, 2, priority=Priority.URGENT)
    mine = Shift.objects.create(user=claire, start=shift.start, end=shift.end)
    assert not intensity.is_intense(mine)
    Call.objects.filter(psychologist=marc).update(answered_at=shift.end + timedelta(minutes=5))
    assert not intensity.is_intense(shift)


def test_two_intense_shifts_in_a_row_give_a_recovery_the_planner_keeps(settings):
    settings.ECOUTE_ROTA_INTENSE_IN_A_ROW, settings.ECOUTE_ROTA_RECOVERY_HOURS = 2, 48
    claire, marc = make_psychologist("Claire"), make_psychologist("Marc")
    worked_shift(claire, 30, high_risk=True)
    last = worked_shift(claire, 6, minutes=90)
    worked_shift(marc, 30, high_risk=True)
    worked_shift(marc, 6)  # a calm shift after the intense one: no recovery owed
    assert intensity.recovery(claire.pk) == (last.end, last.end + timedelta(hours=48))
    assert intensity.recovery(marc.pk) is None
    assert intensity.recovery(claire.pk, now=last.end + timedelta(hours=49)) is None
    today = timezone.localdate()
    for user in (claire, marc):
        for weekday in range(7):
            WeeklyAvailability.objects.create(user=user, weekday=weekday, start=time(0), end=time(0))
    horizon = planning.horizon_of(planning.needs(today, 4))
    team = {person.id: person for person in planning.people(horizon)}
    first, until = team[claire.pk].recovery
    assert horizon.moments[until].astimezone(UTC) == last.end + timedelta(hours=48)
    assert team[marc.pk].recovery is None
    result = planning.planner.plan(horizon, list(team.values()), planning.rules(), seconds=600, work=10)
    assert all(s.start >= until for s in result.shifts if s.person == claire.pk)


def test_after_a_shift_with_an_emergency_a_debrief_with_the_supervisor_on_duty_is_offered(client):
    claire = make_psychologist("Claire")
    helene = make_psychologist("Hélène")
    helene.role = Role.SUPERVISOR
    helene.save()
    log_in(client, claire)
    worked_shift(claire, 1, minutes=30)
    assert "Débriefing proposé" not in client.get("/espace/disponibilites/").content.decode()
    worked_shift(claire, 0, high_risk=True)  # just ended, with an emergency
    now = timezone.now()
    Shift.objects.create(
        user=helene, start=now - timedelta(hours=1), end=now + timedelta(hours=5), supervising=True
    )
    offered = intensity.debrief_offer(claire)
    assert offered.supervisor == "Hélène"
    for page in ("/espace/disponibilites/", "/espace/"):
        text = client.get(page).content.decode()
        assert "a compté une urgence" in text and "avec Hélène, cadre de permanence" in text, page


def test_no_debrief_is_offered_without_a_supervisor_on_duty_or_long_after():
    claire = make_psychologist("Claire")
    worked_shift(claire, 0, priority=Priority.URGENT)
    assert intensity.debrief_offer(claire) is None  # nobody supervising: nothing to promise
    assert intensity.debrief_offer(claire, now=timezone.now() + timedelta(days=4)) is None
