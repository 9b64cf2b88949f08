"""A follow-up for an app caller, with their consent: proposed, agreed, reminded, kept.

1. The psychologist proposes a time, during the call or its wrap-up (propose): the caller's app is
   asked, through the call's after-call group, with a one-time proposal (proposals.py).
2. The caller agrees (agree): a random link token is drawn; the server keeps its SHA-256, the
   psychologist and the time (models.FollowUp), and, if the browser gave one, the push subscription
   encrypted. The caller's app makes the calendar file itself; the token lives on their device.
3. At the agreed time the worker sends the push reminder and forgets the subscription (send_due).
4. The caller comes back with the link (redeem): the row is deleted, the follow-up counted as kept,
   and the app offers that psychologist first, or the first one free.
"""

import hashlib
import json
import logging
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext

from ecoute.accounts.models import ListenerProfile
from ecoute.calls.models import Call, CallState, Channel
from ecoute.lib import clock
from ecoute.lib.realtime import after_call_group, relay_after_commit
from ecoute.presence.queries import available_listener_ids
from ecoute.protocol import events

from . import counting, proposals, push
from .models import FollowUp, Outcome

logger = logging.getLogger(__name__)
# A follow-up may still be proposed this long after the call ended (its wrap-up).
PROPOSE_AFTER_END = timedelta(minutes=15)
# The earliest time a follow-up may be set for: a reminder needs a little time to be worth one.
SOONEST = timedelta(minutes=5)


class FollowUpError(Exception):
    """A follow-up that cannot be proposed, agreed or used; the message is fit to show."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _proposable_call(call_id, psychologist_id: int) -> Call:
    call = Call.objects.filter(pk=call_id, psychologist_id=psychologist_id, answered_at__isnull=False).first()
    recent = call is not None and (
        call.state == CallState.CONNECTED
        or (call.state == CallState.ENDED and call.ended_at >= clock.now() - PROPOSE_AFTER_END)
    )
    if not recent:
        raise FollowUpError(
            "not_your_call", gettext("Un suivi se propose pendant l’appel ou juste après, à son appelant.")
        )
    if call.channel != Channel.APP:
        raise FollowUpError(
            "app_only", gettext("Au téléphone, donnez plutôt un code de suivi et une heure pour rappeler.")
        )
    return call


def _check_time(at: datetime) -> None:
    now = clock.now()
    if at < now + SOONEST:
        raise FollowUpError("too_soon", gettext("Choisissez une heure dans au moins cinq minutes."))
    if at > now + timedelta(days=settings.ECOUTE_FOLLOW_UP_DAYS):
        raise FollowUpError(
            "too_late",
            gettext("Choisissez une date dans les %(days)d jours.")
            % {"days": settings.ECOUTE_FOLLOW_UP_DAYS},
        )


@transaction.atomic
def propose(call_id, psychologist_id: int, at: datetime) -> None:
    """Ask the caller of CALL_ID whether they want a follow-up at AT with this psychologist."""
    call = _proposable_call(call_id, psychologist_id)
    _check_time(at)
    proposal = proposals.offer(psychologist_id, at)
    relay_after_commit(
        after_call_group(call.pk), events.follow_up_proposed(call.pk, proposal, at.isoformat())
    )


def agree(proposal, subscription, link_base: str) -> dict:
    """The caller said yes: the link token (shown once, to them), the time and the psychologist.

    SUBSCRIPTION: the browser's push subscription, or None (then no reminder but the calendar's).
    LINK_BASE: the app's address, to which the token is added for the push reminder's link.
    """
    clean = push.clean_subscription(subscription) if subscription is not None else None
    if clean is not None and not push.enabled():
        raise FollowUpError("push_off", gettext("Les rappels par notification ne sont pas proposés ici."))
    found = proposals.take(proposal)
    if found is None:
        raise FollowUpError(
            "proposal_gone", gettext("Cette proposition de suivi a expiré ou a déjà reçu une réponse.")
        )
    token = secrets.token_urlsafe(32)
    link = link_base + token
    at = found["at"]
    with transaction.atomic():
        FollowUp.objects.create(
            token_hash=token_hash(token),
            psychologist_id=found["psychologist_id"],
            at=at,
            expires_at=at + timedelta(hours=settings.ECOUTE_FOLLOW_UP_LINK_HOURS),
            reminder=json.dumps({"subscription": clean, "link": link}) if clean else "",
        )
        counting.count_one(Channel.APP, Outcome.PLANNED)
    name = ListenerProfile.objects.filter(user_id=found["psychologist_id"]).values_list(
        "first_name", flat=True
    )
    return {
        "token": token,
        "link": link,
        "at": at.isoformat(),
        "expires_at": (at + timedelta(hours=settings.ECOUTE_FOLLOW_UP_LINK_HOURS)).isoformat(),
        "psychologist_id": found["psychologist_id"],
        "psychologist_name": name.first() or "",
        "reminder": clean is not None,
    }


@transaction.atomic
def redeem(token) -> dict:
    """The caller came back with their link: the psychologist to offer first, and whether they are free now."""
    row = None
    if isinstance(token, str) and 32 <= len(token) <= 64:
        row = (
            FollowUp.objects.select_for_update()
            .filter(token_hash=token_hash(token), expires_at__gt=clock.now())
            .first()
        )
    if row is None:
        raise FollowUpError(
            "follow_up_unknown",
            gettext(
                "Ce lien de suivi a expiré ou a déjà servi. Vous pouvez appeler un psychologue disponible, "
                "ou le numéro vert."
            ),
        )
    psychologist_id = row.psychologist_id
    row.delete()
    counting.count_one(Channel.APP, Outcome.KEPT)
    return {"psychologist_id": psychologist_id, "available": psychologist_id in available_listener_ids()}


def send_due(now=None) -> dict[str, int]:
    """Send every push reminder whose time has come; the subscription is forgotten once sent or gone."""
    now = now or clock.now()
    done = {"sent": 0, "gone": 0, "failed": 0}
    due = FollowUp.objects.filter(at__lte=now, expires_at__gt=now).exclude(reminder="")
    for row in due.order_by("at")[:200]:
        done[_remind(row)] += 1
    return done


def _remind(row: FollowUp) -> str:
    reminder = json.loads(row.reminder.open())
    payload = {
        "title": gettext("Votre rendez-vous de suivi"),
        "body": gettext("C’est l’heure convenue : touchez pour rappeler votre psychologue."),
        "link": reminder["link"],
    }
    try:
        push.send(reminder["subscription"], payload)
    except push.Gone:
        FollowUp.objects.filter(pk=row.pk).update(reminder="")
        return "gone"
    except Exception as error:  # the push service is away: tried again at the next pass, a few times
        tries = row.reminder_tries + 1
        FollowUp.objects.filter(pk=row.pk).update(
            reminder_tries=tries, **({"reminder": ""} if tries >= push.MAX_TRIES else {})
        )
        logger.warning("follow-up reminder not sent (try %s): %s", tries, type(error).__name__)
        return "failed"
    FollowUp.objects.filter(pk=row.pk).update(reminder="")
    return "sent"


def purge_expired(now=None) -> int:
    """The links' retention: an expired follow-up is deleted, with its subscription if still there."""
    deleted, _ = FollowUp.objects.filter(expires_at__lte=now or clock.now()).delete()
    return deleted
