"""Giving and finding a code de suivi (ecoute/telephony/models.FollowUpCode)."""

import datetime
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext, gettext_noop

from ecoute.abuse import limits
from ecoute.calls.models import AlertKind, Call, CallState, Channel
from ecoute.calls.supervision import alerts
from ecoute.followup import counting
from ecoute.followup.models import Outcome
from ecoute.lib import clock

from .models import FollowUpCode

CODE = re.compile(r"^[0-9]{6}$")


class FollowUpError(Exception):
    """A code that cannot be given now; the message is fit to show to the psychologist."""


def code_hash(code: str) -> str:
    # Keyed: the table alone does not say which six digits stand for which caller.
    return hmac.new(settings.SECRET_KEY.encode(), f"follow-up:{code}".encode(), hashlib.sha256).hexdigest()


@transaction.atomic
def give(call_id, psychologist_id: int) -> str:
    """A new code for the phone call this psychologist is talking on (a second press replaces the first)."""
    call = Call.objects.filter(pk=call_id, psychologist_id=psychologist_id, state=CallState.CONNECTED).first()
    if call is None:
        raise FollowUpError(gettext("Vous n’êtes pas en communication sur cet appel."))
    if call.channel != Channel.PHONE or not call.caller_key_hash:
        raise FollowUpError(gettext("Le code de suivi est pour les appels téléphoniques."))
    replaced, _ = FollowUpCode.objects.filter(call=call).delete()
    if not replaced:  # a second press replaces the code: still one follow-up agreed
        counting.count_one(Channel.PHONE, Outcome.PLANNED)
    now = clock.now()
    for _ in range(20):
        code = f"{secrets.randbelow(1_000_000):06d}"
        try:
            with transaction.atomic():
                FollowUpCode.objects.create(
                    code_hash=code_hash(code),
                    caller_key_hash=call.caller_key_hash,
                    psychologist_id=psychologist_id,
                    call=call,
                    created_at=now,
                    expires_at=now + datetime.timedelta(days=settings.ECOUTE_FOLLOW_UP_DAYS),
                )
            return code
        except IntegrityError:  # those digits stand for another caller now: draw again
            continue
    raise FollowUpError(gettext("Aucun code libre pour l’instant : réessayez."))


def find(code: str) -> FollowUpCode | None:
    """The unexpired code behind these digits, or None (malformed, unknown or expired alike)."""
    if not isinstance(code, str) or not CODE.match(code):
        return None
    return FollowUpCode.objects.filter(code_hash=code_hash(code), expires_at__gt=clock.now()).first()


@dataclass(frozen=True)
class Attempt:
    """What a code keyed in the menu found: its row (None when unknown), or that it was not checked."""

    found: FollowUpCode | None
    limited: bool = False


def attempt(code: str, source: str) -> Attempt:
    """The code CODE keyed by a phone caller from SOURCE (their number's keyed hash), within the limits.

    A number that keyed too many wrong codes today has its codes no longer checked (a right one
    would say nothing either); a burst of wrong codes line-wide alerts the supervisors, once.
    """
    if not limits.follow_up_allowed(source):
        return Attempt(None, limited=True)
    found = find(code)
    if found is not None:
        counting.count_one(Channel.PHONE, Outcome.KEPT)
    if found is None and limits.follow_up_wrong(source):
        alerts.raise_alert(
            AlertKind.CODE_GUESSING,
            reason=gettext_noop(
                "Beaucoup de codes de suivi faux ont été tapés sur le numéro vert en quelques minutes : "
                "quelqu’un essaie peut-être de deviner des codes. Les essais sont ralentis."
            ),
        )
    return Attempt(found)


def purge_expired(now=None) -> int:
    """The codes' retention: an expired code is deleted (its digits can be drawn again)."""
    deleted, _ = FollowUpCode.objects.filter(expires_at__lte=now or clock.now()).delete()
    return deleted
