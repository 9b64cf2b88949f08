"""eJADES series: sessions made by a recurrence rule, edited or cancelled one by one, and the feed."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from dateutil.rrule import rrulestr
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from ecoute.programme import actions, series
from ecoute.programme.models import Event, Kind, Series
from tests.programme.support import make_ejades_model, make_event

pytestmark = pytest.mark.django_db
PARIS = ZoneInfo("Europe/Paris")
# Tuesday 23 March 2027, 12:30 in Paris; summer time begins on Sunday the 28th.
FIRST = datetime(2027, 3, 23, 12, 30, tzinfo=PARIS)
TUESDAYS_AND_THURSDAYS = "FREQ=WEEKLY;BYDAY=TU,TH;COUNT=6"


def ejades_series(rule=TUESDAYS_AND_THURSDAYS) -> Series:
    template = make_ejades_model(FIRST)
    return Series.objects.create(title="eJADES : le sommeil", template=template, first_start=FIRST, rule=rule)


def test_a_rule_makes_a_session_per_occurrence_at_the_same_paris_time_across_summer_time():
    made = series.generate(ejades_series(), publish=True)
    starts = [timezone.localtime(session.starts_at, PARIS) for session in made]
    assert [(s.day, s.month) for s in starts] == [(23, 3), (25, 3), (30, 3), (1, 4), (6, 4), (8, 4)]
    assert {(s.hour, s.minute) for s in starts} == {(12, 30)}
    assert {s.utcoffset() for s in starts} == {timedelta(hours=1), timedelta(hours=2)}
    assert all(session.ends_at - session.starts_at == timedelta(hours=1) for session in made)
    assert {(s.title, s.capacity, s.kind, s.published) for s in made} == {
        ("eJADES : le sommeil", 30, Kind.EJADES, True)
    }


def test_generating_again_adds_only_what_is_missing_and_keeps_each_sessions_changes():
    one = ejades_series()
    first, second, *_ = series.generate(one, publish=True)
    Event.objects.filter(pk=first.pk).update(
        starts_at=first.starts_at + timedelta(hours=1), ends_at=first.ends_at + timedelta(hours=1)
    )
    actions.cancel_event(second.pk)
    assert series.generate(one) == []
    first.refresh_from_db()
    assert timezone.localtime(first.starts_at, PARIS).hour == 13  # the move stands
    assert Event.objects.filter(series=one).count() == 6


@pytest.mark.parametrize(
    "rule, says",
    [
        ("FREQ=WEEKLY;BYDAY=TU,TH", "quand la série s'arrête"),
        ("FREQ=SOMETIMES;COUNT=3", "illisible"),
        ("FREQ=DAILY;COUNT=500", "plus de 200 séances"),
        ("FREQ=WEEKLY;COUNT=3\nDTSTART:20270101T000000", "une seule règle"),
    ],
)
def test_a_wrong_rule_is_refused_with_a_reason_and_makes_nothing(rule, says):
    one = ejades_series(rule=rule)
    with pytest.raises(series.RuleProblem, match=says):
        series.generate(one)
    with pytest.raises(ValidationError) as refused:
        one.full_clean()
    assert says in str(refused.value.message_dict["rule"])
    assert not Event.objects.filter(series=one).exists()


def test_the_feed_gives_a_series_as_one_recurring_entry_with_its_exceptions(client):
    one = ejades_series()
    sessions = series.generate(one, publish=True)
    moved, cancelled = sessions[2], sessions[3]
    Event.objects.filter(pk=moved.pk).update(
        starts_at=moved.starts_at + timedelta(hours=5), ends_at=moved.ends_at + timedelta(hours=5)
    )
    actions.cancel_event(cancelled.pk)
    make_event(title="Formation Lille")

    calendar = Calendar.from_ical(client.get(reverse("programme:feed")).content)
    entries = list(calendar.walk("VEVENT"))
    assert sorted(str(e["summary"]) for e in entries) == [
        "Formation Lille",
        "eJADES : le sommeil",
        "eJADES : le sommeil",
    ]
    [master] = [e for e in entries if "RRULE" in e]
    [override] = [e for e in entries if "RECURRENCE-ID" in e]
    assert master["uid"] == override["uid"]
    assert master.decoded("dtstart") == FIRST
    excluded = [d.dt for exdate in _list(master["exdate"]) for d in exdate.dts]
    assert excluded == [timezone.localtime(cancelled.occurrence, PARIS)]
    assert override.decoded("recurrence-id") == moved.occurrence
    assert override.decoded("dtstart") == moved.starts_at + timedelta(hours=5)
    # What a calendar app shows: the rule's six, less the cancelled one.
    shown = set(rrulestr(master["rrule"].to_ical().decode(), dtstart=FIRST)) - set(excluded)
    assert len(shown) == 5 and timezone.localtime(cancelled.occurrence, PARIS) not in shown
    assert calendar.walk("VTIMEZONE")  # the Paris times are defined in the file


def _list(value):
    return value if isinstance(value, list) else [value]
