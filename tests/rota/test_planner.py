"""The planner's rota keeps every hard rule, checked here by a checker of its own, and reports every gap."""

from collections import defaultdict

from ecoute.rota.checks import violations
from ecoute.rota.forecast import half_hours
from ecoute.rota.planner import Horizon, Person, Rules, Shift, plan
from ecoute.rota.sample_month import MONDAY, RULES, month, needs_of_a_day, team


def shortfall(horizon: Horizon, people: list[Person], shifts: list[Shift]) -> dict:
    by_id = {p.id: p for p in people}
    on_duty = defaultdict(list)
    for shift in shifts:
        for index in range(shift.start, shift.end):
            on_duty[index].append(by_id[shift.person])
    missing = {}
    for index in range(len(horizon.moments)):
        listeners = [p for p in on_duty[index] if not p.supervising]
        lacking = (
            max(horizon.listeners[index] - len(listeners), 0),
            max(horizon.supervisors[index] - sum(p.supervising for p in on_duty[index]), 0),
            horizon.english[index] and not any(p.english for p in listeners),
        )
        if any(lacking):
            missing[index] = lacking
    return missing


def idle(horizon: Horizon, people: list[Person], shifts: list[Shift]) -> list[Shift]:
    """The shifts that could be dropped without adding to the shortfall."""
    before = shortfall(horizon, people, shifts)
    return [s for s in shifts if shortfall(horizon, people, [o for o in shifts if o != s]) == before]


def test_a_realistic_month_keeps_every_rule_and_reports_every_gap():
    horizon = month()
    people = team(horizon)
    # Bounded by the solver's work, not the clock: on a busy machine it takes longer, not worse.
    # (The time a month takes is the planner's benchmark's to measure.)
    rota = plan(horizon, people, RULES, seconds=600, work=10)
    assert rota.status in ("OPTIMAL", "FEASIBLE")
    assert violations(horizon, people, rota.shifts, RULES) == []
    reported = {gap.index: (gap.listeners, gap.supervisors, gap.english) for gap in rota.gaps}
    assert reported == shortfall(horizon, people, rota.shifts)
    needed = sum(horizon.listeners) + sum(horizon.supervisors)
    worked = sum(s.end - s.start for s in rota.shifts)
    missing = sum(gap.listeners + gap.supervisors for gap in rota.gaps)
    assert missing < 0.05 * needed, f"{missing} half-hours missing of {needed}"
    # Least hours: no shift could go without opening a gap; blocks of 4 h or more overlap, not much.
    assert idle(horizon, people, rota.shifts) == []
    assert worked < 1.5 * needed, f"{worked} half-hours planned for {needed} needed"


def test_when_nobody_can_cover_a_half_hour_it_is_a_gap_not_a_failure():
    horizon = month(days=2, english=(0, 0))
    person = Person(1, 40, frozenset(range(16, 32)))  # 08:00–16:00 on the first day only
    rota = plan(horizon, [person], RULES, seconds=5)
    assert rota.shifts == [Shift(1, 16, 32)]
    assert len(rota.gaps) == len(horizon.moments)  # supervisors are lacking throughout
    assert rota.gaps[20].listeners == needs_of_a_day(horizon.moments[20]) - 1


def test_the_rest_and_the_weekly_hours_bind_even_when_the_line_needs_more():
    horizon = month(days=7, english=(0, 0))
    always = frozenset(range(len(horizon.moments)))
    rota = plan(horizon, [Person(1, 20, always)], RULES, seconds=10)
    assert violations(horizon, [Person(1, 20, always)], rota.shifts, RULES) == []
    assert sum(s.end - s.start for s in rota.shifts) == 40  # every hour allowed is given to the gaps


def test_night_shifts_stop_after_the_allowed_run():
    horizon = Horizon(
        moments=half_hours(MONDAY, 7), listeners=[0] * 336, supervisors=[0] * 336, english=[False] * 336
    )
    horizon.listeners[:] = [1 if m.hour < 4 else 0 for m in horizon.moments]
    person = Person(1, 60, frozenset(i for i, m in enumerate(horizon.moments) if m.hour < 4))
    rota = plan(horizon, [person], Rules(rest_hours=11, nights_in_a_row=2), seconds=10)
    assert violations(horizon, [person], rota.shifts, Rules(11, 2)) == []
    assert len(rota.shifts) == 5  # seven nights, a break after every two: nights 1, 2, 4, 5, 7


def test_a_shift_kept_by_staff_stays_and_the_rest_is_planned_around_it():
    horizon = month(days=2, english=(0, 0))
    always = frozenset(range(len(horizon.moments)))
    kept = Shift(1, 20, 24)  # two hours, shorter than any planned shift: edited by hand
    rota = plan(horizon, [Person(1, 40, always)], RULES, seconds=5, fixed=[kept])
    assert kept in rota.shifts
    others = [s for s in rota.shifts if s != kept]
    assert all(s.start >= kept.end + 22 or s.end + 22 <= kept.start for s in others)


def test_a_search_cut_short_still_answers_in_time_with_a_plan_keeping_the_rules():
    horizon = month(days=14)
    people = team(horizon, seed=3)
    rota = plan(horizon, people, RULES, seconds=1)  # however far a second gets on this machine
    assert rota.status in ("OPTIMAL", "FEASIBLE", "UNKNOWN")
    assert violations(horizon, people, rota.shifts, RULES) == []
    assert {gap.index for gap in rota.gaps} == set(shortfall(horizon, people, rota.shifts))


def test_a_listener_recovering_after_high_intensity_shifts_is_not_planned_until_the_recovery_ends():
    horizon = month(days=2, english=(0, 0))
    always = frozenset(range(len(horizon.moments)))
    recovering = Person(1, 40, always, recovery=(0, 40))  # two intense shifts in a row just before
    rota = plan(horizon, [recovering, Person(2, 40, always)], RULES, seconds=5)
    assert rota.status in ("OPTIMAL", "FEASIBLE")
    theirs = [s for s in rota.shifts if s.person == 1]
    assert theirs and all(s.start >= 40 for s in theirs)  # planned again once recovered, not before
    assert any(s.person == 2 and s.start < 40 for s in rota.shifts)  # the line is covered by another


def test_a_kept_shift_inside_the_recovery_makes_the_plan_refused_not_a_silent_breach():
    horizon = month(days=2, english=(0, 0))
    always = frozenset(range(len(horizon.moments)))
    rota = plan(
        horizon, [Person(1, 40, always, recovery=(10, 40))], RULES, seconds=5, fixed=[Shift(1, 20, 28)]
    )
    assert rota.status == "INFEASIBLE"
    worked = plan(
        horizon, [Person(1, 40, always, recovery=(10, 40))], RULES, seconds=5, fixed=[Shift(1, 0, 8)]
    )
    assert Shift(1, 0, 8) in worked.shifts  # a shift started before the recovery (the intense one) stays
