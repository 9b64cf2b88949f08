"""The retention rules enforced in the database, applied together: one purge, once a day.

docs/retention.md lists every table and store with its retention; this module applies the rules
that live in the database. Each rule belongs to its app (notes and caller links: contacts; alert
reasons: calls; orientations noted during calls: directory; registrations and e-mails: programme; follow-up links: followup; the two journals: contacts and security; Django's admin history and sessions: here);
this module runs them in order, then journals a PURGE event with what each one removed.

Every server process checks every PURGE_CHECK_SECONDS whether a purge is due (none in the last
PURGE_EVERY); a PostgreSQL advisory lock keeps two processes from running it at the same moment,
and the PURGE event one of them writes tells the others it is done.
"""

import asyncio
import logging
from datetime import datetime, timedelta
from importlib import import_module

from channels.db import database_sync_to_async
from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.db import connection, transaction
from django.utils import timezone

from . import journal
from .models import SecurityEvent, SecurityEventKind

logger = logging.getLogger(__name__)
PURGE_EVERY = timedelta(hours=24)
PURGE_CHECK_SECONDS = 600
# pg_try_advisory_xact_lock's key: any constant of our own ("ecoute purge").
ADVISORY_LOCK = 0x6563_6F75_7465


def purge(now: datetime | None = None, contact_days: int | None = None, actor=None) -> dict[str, int]:
    """Apply every database retention rule as of NOW; journal it; return the counts per rule."""
    from ecoute.calls.supervision import alerts
    from ecoute.contacts import actions as contacts
    from ecoute.directory import actions as directory
    from ecoute.followup import actions as follow_ups
    from ecoute.presence import history as presence_history
    from ecoute.programme import actions as programme
    from ecoute.rota import retention as rota
    from ecoute.selfhelp import testimonies
    from ecoute.studies import answering
    from ecoute.telephony import follow_up

    now = now or timezone.now()
    done = contacts.purge(now=now, days=contact_days)
    done["noted_referrals"] = directory.purge_referrals(now)
    done["alert_reasons"] = alerts.forget_reasons(
        now - timedelta(days=settings.ECOUTE_ALERT_REASON_RETENTION_DAYS)
    )
    audit_cutoff = now - timedelta(days=settings.ECOUTE_AUDIT_RETENTION_DAYS)
    done["note_reads"] = contacts.forget_reads(audit_cutoff)
    done["security_events"] = forget_security_events(audit_cutoff)
    done["admin_log"] = LogEntry.objects.filter(action_time__lt=audit_cutoff).delete()[0]
    done["sessions"] = clear_expired_sessions()
    done.update({f"programme_{rule}": count for rule, count in programme.purge(now).items()})
    done.update(testimonies.purge(now))
    done["study_invitations"] = answering.purge()
    done["follow_up_codes"] = follow_up.purge_expired(now)
    done["follow_up_links"] = follow_ups.purge_expired(now)
    done.update(rota.purge(now))
    done["online_minutes"] = presence_history.purge(now)
    journal.record(SecurityEventKind.PURGE, actor=actor, summary=summary(done), at=now, **done)
    return done


def summary(done: dict[str, int]) -> str:
    return (
        f"{done['notes']} notes effacées, {done['caller_links']} liens d'appelant oubliés, "
        f"{done['alert_reasons']} motifs d'alerte effacés, {done['note_reads']} lectures de notes et "
        f"{done['security_events']} événements de sécurité et {done['admin_log']} entrées de l'historique d'administration "
        f"supprimés, {done['sessions']} sessions expirées, {done['noted_referrals']} orientations notées jamais reprises dans une fiche oubliées, "
        f"{done.get('programme_registrations', 0)} inscriptions et {done.get('programme_attendances', 0)} présences "
        f"au programme (avec {done.get('programme_signatures', 0)} signatures d'émargement), {done.get('programme_sent_mails', 0)} e-mails envoyés et "
        f"{done.get('programme_questionnaires', 0)} questionnaires de formation supprimés, "
        f"{done['author_seals']} données d'auteurs de témoignages scellées, {done['abandoned_testimonies']} témoignages "
        f"abandonnés et {done['refused_testimonies']} témoignages refusés supprimés, {done['decision_reasons']} motifs de modération effacés, {done['study_invitations']} invitations d'études closes supprimées, "
        f"{done.get('follow_up_codes', 0)} codes de suivi expirés supprimés, "
        f"{done.get('follow_up_links', 0)} liens de suivi expirés supprimés, "
        f"{done.get('rota_offers', 0)} gardes proposées, {done.get('rota_shifts', 0)} gardes passées, {done.get('rota_exceptions', 0)} exceptions de disponibilité "
        f"et {done.get('rota_adjustments', 0)} événements prévus anciens, {done.get('rota_departed', 0)} disponibilités "
        f"de psychologues partis supprimés."
    )


def forget_security_events(before: datetime) -> int:
    """The security journal's retention: its one deletion, through the base manager on purpose."""
    return SecurityEvent._base_manager.filter(at__lt=before).delete()[0]


def clear_expired_sessions() -> int:
    """What `manage.py clearsessions` does, counted when the sessions are in the database."""
    engine = import_module(settings.SESSION_ENGINE)
    if settings.SESSION_ENGINE == "django.contrib.sessions.backends.db":
        from django.contrib.sessions.models import Session

        return Session.objects.filter(expire_date__lt=timezone.now()).delete()[0]
    engine.SessionStore.clear_expired()
    return 0


def purge_if_due(now: datetime | None = None) -> dict[str, int] | None:
    """The daily purge, run by whichever process gets there first; None when not due or taken."""
    now = now or timezone.now()
    with transaction.atomic():
        if not _lock():
            return None
        if SecurityEvent.objects.filter(
            kind=SecurityEventKind.PURGE, actor=None, at__gt=now - PURGE_EVERY
        ).exists():
            return None
        return purge(now)


def _lock() -> bool:
    """Only one process purges at a time (SQLite: one writer anyway, IMMEDIATE transactions)."""
    if connection.vendor != "postgresql":
        return True
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [ADVISORY_LOCK])
        return cursor.fetchone()[0]


async def run_daily() -> None:
    """The loop each server process starts at launch (ASGI lifespan) when ECOUTE_AUTO_PURGE is on."""
    while True:
        try:
            done = await database_sync_to_async(purge_if_due)()
            if done is not None:
                logger.info("retention purge: %s", summary(done))
        except Exception:
            logger.exception("the retention purge failed; trying again later")
        await asyncio.sleep(PURGE_CHECK_SECONDS)
