"""The retention rules of docs/retention.md that live in the database: each removes exactly what it should."""

import io
from datetime import timedelta

import psycopg
import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from ecoute.calls.models import Alert, AlertKind, Call, CallState
from ecoute.contacts.models import NoteRead, ReadPlace
from ecoute.directory.models import Entry, Referral
from ecoute.security import journal, retention
from ecoute.security.models import SecurityEvent, SecurityEventKind
from tests.support.backends import need_postgres
from tests.support.cast import make_psychologist
from tests.support.contacts import caller_key_hash, ensure_taxonomies, make_call, make_record

pytestmark = pytest.mark.django_db

NOW = timezone.now()


def days_ago(days: float):
    return NOW - timedelta(days=days)


@pytest.fixture
def line(settings):
    (
        settings.ECOUTE_CONTACT_RETENTION_DAYS,
        settings.ECOUTE_ALERT_REASON_RETENTION_DAYS,
        settings.ECOUTE_AUDIT_RETENTION_DAYS,
    ) = 730, 90, 365
    ensure_taxonomies()
    return make_psychologist("Claire")


def test_each_rule_removes_what_is_past_its_retention_and_keeps_the_rest(line):
    old_alert = Alert.objects.create(
        kind=AlertKind.EMERGENCY,
        reason="a pris des médicaments",
        created_at=days_ago(91),
        closed_at=days_ago(91),
    )
    new_alert = Alert.objects.create(kind=AlertKind.HELP, reason="voix tremblante", created_at=days_ago(89))
    record = make_record(line, make_call(line, caller="device", ago=timedelta(days=10)), note="note récente")
    old_read = NoteRead.objects.create(
        reader=line, record=record, reason="relecture", place=ReadPlace.PAGE, read_at=days_ago(366)
    )
    new_read = NoteRead.objects.create(
        reader=line, record=record, reason="relecture", place=ReadPlace.PAGE, read_at=days_ago(364)
    )
    old_event, new_event = journal.record(SecurityEventKind.LOGIN), journal.record(SecurityEventKind.LOGIN)
    SecurityEvent._base_manager.filter(pk=old_event.pk).update(at=days_ago(366))
    abandoned = Call.objects.create(
        requested_at=days_ago(2), state=CallState.ABANDONED, caller_key_hash=caller_key_hash("gone")
    )
    just_abandoned = Call.objects.create(
        requested_at=NOW - timedelta(hours=2),
        state=CallState.ABANDONED,
        caller_key_hash=caller_key_hash("back"),
    )
    noted = make_call(line, ago=timedelta(days=31))
    entry = Entry.objects.create(external_id="e-1", kind="unit", name="Unité", last_verified=NOW.date())
    old_referral = Referral.objects.create(call=noted, psychologist=line, entry=entry, noted_at=days_ago(31))
    new_referral = Referral.objects.create(
        call=make_call(line), psychologist=line, entry=entry, noted_at=days_ago(29)
    )
    expired, alive = SessionStore(), SessionStore()
    expired.set_expiry(-10), alive.set_expiry(3600)
    expired.create(), alive.create()

    from ecoute.telephony.models import FollowUpCode

    for n, expires in enumerate((days_ago(1), NOW + timedelta(days=1))):
        FollowUpCode.objects.create(
            code_hash=f"{n}" * 64,
            caller_key_hash="k" * 64,
            psychologist=line,
            call=make_call(line),
            created_at=days_ago(90),
            expires_at=expires,
        )
    from ecoute.followup.models import FollowUp

    for n, expires in enumerate((days_ago(1), NOW + timedelta(days=1))):
        FollowUp.objects.create(
            token_hash=f"{n}" * 64, psychologist=line, at=expires - timedelta(hours=72), expires_at=expires
        )
    done = retention.purge(now=NOW)

    assert FollowUpCode.objects.count() == 1  # the expired code went, the other stays
    assert list(FollowUp.objects.values_list("token_hash", flat=True)) == ["1" * 64]  # so for the app's links
    assert done == {
        "follow_up_codes": 1,
        "follow_up_links": 1,
        "notes": 0,
        "caller_links": 1,
        "noted_referrals": 1,
        "alert_reasons": 1,
        "note_reads": 1,
        "security_events": 1,
        "admin_log": 0,
        "sessions": 1,
        "programme_registrations": 0,
        "programme_attendances": 0,
        "programme_sent_mails": 0,
        "programme_questionnaires": 0,
        "programme_signatures": 0,
        "author_seals": 0,
        "abandoned_testimonies": 0,
        "decision_reasons": 0,
        "refused_testimonies": 0,
        "study_invitations": 0,
        "rota_offers": 0,
        "rota_shifts": 0,
        "rota_exceptions": 0,
        "rota_adjustments": 0,
        "rota_departed": 0,
        "online_minutes": 0,
    }
    assert (
        list(Referral.objects.values_list("pk", flat=True)) == [new_referral.pk]
        and old_referral.pk != new_referral.pk
    )
    assert (
        not Alert.objects.get(pk=old_alert.pk).reason
        and Alert.objects.get(pk=old_alert.pk).kind == AlertKind.EMERGENCY
    )
    assert Alert.objects.get(pk=new_alert.pk).reason.open() == "voix tremblante"
    assert list(NoteRead.objects.values_list("pk", flat=True)) == [new_read.pk] and old_read.pk != new_read.pk
    assert set(SecurityEvent.objects.values_list("pk", flat=True)) - {new_event.pk} == {
        SecurityEvent.objects.get(kind=SecurityEventKind.PURGE).pk
    }
    assert Call.objects.get(pk=abandoned.pk).caller_key_hash == ""
    assert Call.objects.get(pk=just_abandoned.pk).caller_key_hash  # a caller may still come back to it
    assert Call.objects.get(pk=record.call_id).caller_key_hash == caller_key_hash(
        "device"
    )  # an answered call: the notes' period
    assert list(Session.objects.values_list("session_key", flat=True)) == [alive.session_key]
    assert SecurityEvent.objects.get(kind=SecurityEventKind.PURGE).details == done


def test_the_rota_keeps_shifts_a_year_exceptions_a_month_events_two_years_and_nothing_of_those_gone(line):
    from datetime import time

    from ecoute.rota.models import Adjustment, AvailabilityException, Commitment, Shift, WeeklyAvailability

    def shift(days):
        return Shift.objects.create(user=line, start=days_ago(days) - timedelta(hours=4), end=days_ago(days))

    old_shift, new_shift = shift(366), shift(364)
    today = NOW.date()
    old_exception, new_exception = (
        AvailabilityException.objects.create(
            user=line, first_day=today - timedelta(days=d), last_day=today - timedelta(days=d)
        )
        for d in (31, 29)
    )
    old_event, new_event = (
        Adjustment.objects.create(
            first_day=today - timedelta(days=d), last_day=today - timedelta(days=d), factor=1.2, reason="Noël"
        )
        for d in (731, 729)
    )
    gone = make_psychologist("Partie")
    for user in (line, gone):
        WeeklyAvailability.objects.create(user=user, weekday=0, start=time(8), end=time(12))
        Commitment.objects.create(user=user)
    gone.is_active = False
    gone.save()

    done = retention.purge(now=NOW)

    assert (
        done["rota_shifts"],
        done["rota_exceptions"],
        done["rota_adjustments"],
        done["rota_departed"],
    ) == (1, 1, 1, 2)
    assert list(Shift.objects.values_list("pk", flat=True)) == [new_shift.pk] != [old_shift.pk]
    assert (
        list(AvailabilityException.objects.values_list("pk", flat=True))
        == [new_exception.pk]
        != [old_exception.pk]
    )
    assert list(Adjustment.objects.values_list("pk", flat=True)) == [new_event.pk] != [old_event.pk]
    assert list(WeeklyAvailability.objects.values_list("user", flat=True)) == [line.pk]
    assert list(Commitment.objects.values_list("user", flat=True)) == [line.pk]


def test_an_offered_shift_is_forgotten_three_months_after_the_shift_with_its_e_mails(line):
    from ecoute.programme.models import MailKind, OutboxMessage
    from ecoute.rota.models import Shift, ShiftOffer

    colleague = make_psychologist("Marc")
    offers = []
    for days in (91, 89):
        shift = Shift.objects.create(user=line, start=days_ago(days) - timedelta(hours=4), end=days_ago(days))
        offers.append(ShiftOffer.objects.create(shift=shift, giver=line, taker=colleague, status="taken"))
        OutboxMessage.objects.create(
            kind=MailKind.SHIFT_OFFER,
            shift_offer=offers[-1],
            recipient=colleague,
            send_after=days_ago(days + 3),
        )
    done = retention.purge(now=NOW)
    assert done["rota_offers"] == 1
    assert list(ShiftOffer.objects.values_list("pk", flat=True)) == [offers[1].pk]
    assert list(OutboxMessage.objects.values_list("shift_offer", flat=True)) == [offers[1].pk]


def test_the_count_of_listeners_online_is_kept_400_days(line):
    from ecoute.presence.models import OnlineMinute

    old, new = (
        OnlineMinute.objects.create(minute=days_ago(days).replace(second=0, microsecond=0), listeners=3)
        for days in (401, 399)
    )
    assert retention.purge(now=NOW)["online_minutes"] == 1
    assert list(OnlineMinute.objects.values_list("minute", flat=True)) == [new.minute] != [old.minute]


def test_the_purge_command_and_its_former_name_apply_every_rule(line):
    Alert.objects.create(kind=AlertKind.HELP, reason="ancien motif", created_at=days_ago(100))
    out = io.StringIO()
    call_command("purge", stdout=out)
    assert "1 motifs d'alerte effacés" in out.getvalue()
    again = io.StringIO()
    call_command("purge_contacts", stdout=again)
    assert "0 notes effacées, 0 liens d'appelant oubliés, 0 motifs d'alerte effacés" in again.getvalue()
    assert SecurityEvent.objects.filter(kind=SecurityEventKind.PURGE).count() == 2


def test_the_daily_purge_runs_once_a_day_whichever_process_asks(line):
    # Two days on: a purge that a server process of another test ran today does not count here.
    later = timezone.now() + timedelta(days=2)
    purges = SecurityEvent.objects.filter(kind=SecurityEventKind.PURGE).count()
    assert retention.purge_if_due(later) is not None
    assert (
        retention.purge_if_due(later + timedelta(hours=1)) is None
    )  # done today: the other processes skip it
    assert retention.purge_if_due(later + retention.PURGE_EVERY + timedelta(minutes=1)) is not None
    assert SecurityEvent.objects.filter(kind=SecurityEventKind.PURGE).count() == purges + 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_process_finding_the_purge_under_way_in_another_leaves_it_alone(line):
    need_postgres()
    config = connection.settings_dict
    other = psycopg.connect(
        host=config.get("HOST") or "127.0.0.1",
        port=config.get("PORT") or 5432,
        user=config.get("USER") or "postgres",
        dbname=config["NAME"],
        autocommit=False,
    )
    try:
        other.execute(
            "SELECT pg_advisory_xact_lock(%s)", [retention.ADVISORY_LOCK]
        )  # another process, purging
        assert retention.purge_if_due(NOW) is None
        other.rollback()
        assert retention.purge_if_due(NOW) is not None
    finally:
        other.close()


@pytest.mark.django_db(transaction=True)
def test_a_server_process_runs_the_daily_purge_by_itself(live_server_env):
    import time

    from tests.support.live import LiveServer

    server = LiveServer(
        {**live_server_env, "ECOUTE_AUTO_PURGE": "1", "ECOUTE_TIMERS": "0"}, name="purging"
    ).start()
    try:
        while not SecurityEvent.objects.filter(kind=SecurityEventKind.PURGE).exists():
            assert server.process.poll() is None, server.log()
            time.sleep(0.1)
    finally:
        server.stop()
    assert SecurityEvent.objects.get(kind=SecurityEventKind.PURGE).actor is None
