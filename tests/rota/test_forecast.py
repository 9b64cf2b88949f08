"""The forecast reads the weekly shape, the trend, known events, talk time and patience back from the history."""

from collections import defaultdict
from datetime import date, datetime, timedelta

import pytest
from django.utils import timezone

from ecoute.rota.forecast import PATIENCE_WITHOUT_ABANDONMENT, forecast, measures
from ecoute.rota.models import Adjustment
from tests.rota.history import expected_rate, make_history

pytestmark = pytest.mark.django_db

NOW = timezone.make_aware(datetime(2026, 3, 2, 0, 0))  # a Monday at midnight, no DST change near
NEXT_MONDAY = date(2026, 3, 2)


def by_day_part(slots) -> dict:
    """Totals per (weekday, part of the day): the blocks of expected_rate's shape."""
    parts = defaultdict(float)
    for slot in slots:
        hour = slot.start.hour
        part = "night" if hour < 7 or hour >= 23 else "day" if hour < 18 else "evening"
        parts[slot.start.weekday(), part] += slot.calls
    return parts


def test_a_history_with_a_known_weekly_shape_is_recovered():
    make_history(NOW)
    slots = forecast(NEXT_MONDAY, 7, now=NOW)
    assert len(slots) == 7 * 48
    truth = by_day_part([type(s)(s.start, expected_rate(s.start)) for s in slots])
    found = by_day_part(slots)
    for key, expected in truth.items():
        # Three standard deviations of a Poisson count over the 12 weeks the shape is read from.
        assert found[key] == pytest.approx(expected, rel=3 / (expected * 12) ** 0.5), key
    assert sum(s.calls for s in slots) == pytest.approx(sum(truth.values()), rel=0.05)


def test_a_growing_line_is_forecast_above_its_past_average():
    make_history(NOW, growth_per_week=1.05)
    total = sum(s.calls for s in forecast(NEXT_MONDAY, 7, now=NOW))
    flat_week = sum(expected_rate(s.start) for s in forecast(NEXT_MONDAY, 7, now=NOW))
    # The last week held about 1.05^11.5 ≈ 1.75 times the first; the forecast continues past it.
    assert total > 1.6 * flat_week


def test_a_known_event_multiplies_only_its_days():
    make_history(NOW)
    plain = forecast(NEXT_MONDAY, 7, now=NOW)
    Adjustment.objects.create(
        first_day=NEXT_MONDAY + timedelta(days=2),
        last_day=NEXT_MONDAY + timedelta(days=2),
        factor=1.5,
        reason="Campagne d'affichage",
    )
    adjusted = forecast(NEXT_MONDAY, 7, now=NOW)
    for before, after in zip(plain, adjusted, strict=True):
        factor = 1.5 if before.start.date() == NEXT_MONDAY + timedelta(days=2) else 1
        assert after.calls == pytest.approx(before.calls * factor)


def test_handle_time_talk_and_wrap_up_and_patience_are_measured_from_the_records():
    make_history(NOW, weeks=6, talk_minutes=20, patience_seconds=120, wait_seconds=30, wrap_up_seconds=180)
    line = measures(NOW)
    # What a call holds its listener: 20 minutes of talk, then 3 minutes of wrap-up.
    assert line.handle_seconds == pytest.approx(23 * 60) and line.wrap_up_seconds == pytest.approx(180)
    assert line.abandoned > 0
    # Erlang A's estimate of an exponential patience of 2 minutes, from callers answered after 30 s.
    assert line.patience_seconds == pytest.approx(120, rel=0.15)


def test_a_line_without_history_forecasts_no_call_and_assumes_the_defaults(settings):
    assert all(slot.calls == 0 for slot in forecast(NEXT_MONDAY, 1, now=NOW))
    line = measures(NOW)
    assert (line.handle_seconds, line.patience_seconds) == (
        settings.ECOUTE_DEFAULT_HANDLE_SECONDS + settings.ECOUTE_WRAP_UP_SECONDS,
        PATIENCE_WITHOUT_ABANDONMENT,
    )


def test_before_any_wrap_up_is_measured_the_line_s_own_wrap_up_setting_is_counted(settings):
    settings.ECOUTE_WRAP_UP_SECONDS = 90
    make_history(NOW, weeks=2, talk_minutes=10, wait_seconds=5)
    line = measures(NOW)
    assert (line.handle_seconds, line.wrap_up_seconds) == (pytest.approx(10 * 60 + 90), 90)


def test_the_days_the_clocks_change_have_their_true_number_of_half_hours():
    assert len(forecast(date(2026, 3, 29), 1, now=NOW)) == 46
    assert len(forecast(date(2026, 10, 25), 1, now=NOW)) == 50
