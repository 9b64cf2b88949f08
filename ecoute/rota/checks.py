"""The rota's hard rules checked again from the shifts alone, by code that shares nothing with the
planner's model (ecoute/rota/planner.py): the tests and the planner's benchmark both trust it, so a
rule the model forgot or wrote wrongly shows up as a violation rather than passing unseen."""

from collections import defaultdict

from .planner import Horizon, Person, Rules, Shift


def violations(horizon: Horizon, people: list[Person], shifts: list[Shift], rules: Rules) -> list[str]:
    """Every hard rule, checked from the shifts alone."""
    found = []
    by_id = {p.id: p for p in people}
    mine = defaultdict(list)
    for shift in shifts:
        mine[shift.person].append(shift)
        if (shift.end - shift.start) / 2 not in rules.shift_hours or horizon.moments[shift.start].minute:
            found.append(f"{shift}: not a shift of the allowed lengths on the hour")
        if not all(i in by_id[shift.person].available for i in range(shift.start, shift.end)):
            found.append(f"{shift}: outside the person's availability")
    for person_id, own in mine.items():
        own.sort(key=lambda s: s.start)
        for before, after in zip(own, own[1:]):
            if (after.start - before.end) / 2 < rules.rest_hours:
                found.append(f"{before} then {after}: rest too short")
        hours = defaultdict(float)
        for shift in own:
            hours[horizon.moments[shift.start].isocalendar()[:2]] += (shift.end - shift.start) / 2
        if max(hours.values()) > by_id[person_id].max_hours_per_week:
            found.append(f"person {person_id}: {dict(hours)} over {by_id[person_id].max_hours_per_week} h")
        nights = sorted(
            {
                horizon.moments[i].date().toordinal()
                for s in own
                for i in range(s.start, s.end)
                if horizon.moments[i].hour < 6
            }
        )
        run = 1
        for before, after in zip(nights, nights[1:]):
            run = run + 1 if after == before + 1 else 1
            if run > rules.nights_in_a_row:
                found.append(f"person {person_id}: {run} nights in a row")
    return found
