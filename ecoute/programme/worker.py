"""The programme's worker: sends the outbox and applies the waiting-list deadlines.

`manage.py programme_worker` runs pass() every few seconds (started by `make demo`; in production a
service of its own). Several workers may run: each claims rows with SELECT … FOR UPDATE SKIP
LOCKED (PostgreSQL), so a message goes once. Sending happens outside any transaction with the
row marked as being tried: a worker killed mid-send leaves the row to be tried again after its
retry delay, so a message may (rarely) go twice but is never lost.
"""

import logging
import time

from django.core.mail import get_connection
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from . import actions, mail
from .models import OutboxMessage

logger = logging.getLogger(__name__)
BATCH = 50
# After this many failures a message is given up (last_error says why; the admin lists it).
MAX_ATTEMPTS = len(mail.RETRY_DELAYS) + 1


def claim(due, now) -> list[int]:
    """Take up to BATCH rows of DUE (an outbox queryset with attempts and next_try_at): mark them
    tried and push their next try back, in one transaction. Used by every outbox (the studies' too)."""
    with transaction.atomic():
        due = due.filter(Q(next_try_at=None) | Q(next_try_at__lte=now))
        if connection.vendor == "postgresql":
            due = due.select_for_update(skip_locked=True)
        rows = list(due.order_by(*(due.model._meta.ordering or ["pk"])).values_list("pk", "attempts")[:BATCH])
        for pk, attempts in rows:
            delay = mail.RETRY_DELAYS[min(attempts, len(mail.RETRY_DELAYS) - 1)]
            due.model.objects.filter(pk=pk).update(attempts=attempts + 1, next_try_at=now + delay)
    return [pk for pk, _ in rows]


def _claim(now) -> list[int]:
    return claim(OutboxMessage.objects.filter(sent_at=None, dropped=False, send_after__lte=now), now)


def send_each(rows, send_one, done: dict[str, int] | None = None) -> dict[str, int]:
    """SEND_ONE(row, smtp) for each of ROWS over one SMTP connection; counts what it returns."""
    done = done or {"sent": 0, "dropped": 0, "failed": 0}
    rows = list(rows)
    if not rows:
        return done
    smtp = get_connection()
    try:
        for row in rows:
            done[send_one(row, smtp)] += 1
    finally:
        smtp.close()
    return done


def send_due(now=None) -> dict[str, int]:
    """Send every message due; returns how many were sent, dropped and failed."""
    claimed = _claim(now or timezone.now())
    return send_each(
        OutboxMessage.objects.filter(pk__in=claimed).select_related(
            "registration__event", "shift_offer__shift", "recipient"
        ),
        _send_one,
    )


def _send_one(message: OutboxMessage, smtp) -> str:
    if mail.is_stale(message):
        OutboxMessage.objects.filter(pk=message.pk).update(dropped=True)
        return "dropped"
    try:
        smtp.send_messages([mail.render(message)])
    except Exception as error:  # the SMTP server refused or is away: the row stays, tried again later
        gave_up = message.attempts >= MAX_ATTEMPTS
        OutboxMessage.objects.filter(pk=message.pk).update(
            last_error=type(error).__name__[:300], dropped=gave_up
        )
        logger.warning(
            "outbox message %s not sent (try %s): %s", message.pk, message.attempts, type(error).__name__
        )
        return "failed"
    OutboxMessage.objects.filter(pk=message.pk).update(sent_at=timezone.now(), last_error="")
    if message.kind == mail.MailKind.CONFIRM_ASK:
        message.registration.__class__.objects.filter(
            pk=message.registration_id, confirm_asked_at=None
        ).update(confirm_asked_at=timezone.now())
    return "sent"


def one_pass(now=None) -> dict[str, int]:
    """Deadlines first (they write offers to the outbox), then the outbox, then the studies' invitations."""
    from ecoute.studies import mailing

    done = {"offers_lapsed": actions.expire_offers(now), "released": actions.release_unconfirmed(now)}
    done.update(send_due(now))
    done.update({f"study_invitations_{outcome}": n for outcome, n in mailing.send_due(now).items()})
    return done


def run(every_seconds: float = 5.0, once: bool = False) -> None:
    while True:
        try:
            done = one_pass()
            if any(done.values()):
                logger.info("programme worker: %s", done)
        except Exception:
            logger.exception("the programme worker's pass failed; trying again")
        if once:
            return
        time.sleep(every_seconds)
