"""Noting an orientation during a call, and sending a referral card to the caller's screen: the
directory's state-changing actions. What is noted or sent pre-fills the call's record."""

import uuid

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from ecoute.calls.models import Call, CallState, Channel
from ecoute.lib.realtime import caller_group, relay_after_commit
from ecoute.presence import actions as presence
from ecoute.protocol import events

from .models import REFERRALS_KEPT, Entry, Referral
from .serializers import referral_card


class ReferralError(Exception):
    """The card cannot be sent now; the message is fit to show to the psychologist."""


@transaction.atomic
def send_referral_card(call_id: uuid.UUID, psychologist_id: int, entry_id: int) -> dict:
    """Relay ENTRY's public card to the caller of CALL, which this psychologist must be talking to now.

    The event goes to that call's caller group only, after commit; nothing about the caller is read or stored.
    """
    call = Call.objects.filter(pk=call_id).only("state", "channel", "psychologist_id").first()
    if call is None or call.psychologist_id != psychologist_id:
        raise ReferralError(gettext("Vous n’êtes pas en communication sur cet appel."))
    if call.state != CallState.CONNECTED:
        raise ReferralError(gettext("L’appel n’est pas en cours : la fiche ne peut plus être envoyée."))
    if call.channel != Channel.APP:
        raise ReferralError(gettext("Appel téléphonique : dictez les coordonnées à l’appelant."))
    entry = Entry.objects.published().select_related("profession", "commune").filter(pk=entry_id).first()
    if entry is None:
        raise ReferralError(gettext("Cette adresse n’existe pas ou n’est plus publiée."))
    card = referral_card(entry)
    _remember(call.pk, psychologist_id, entry, sent=True)
    relay_after_commit(caller_group(call.pk), events.referral_card(call.pk, card))
    return card


@transaction.atomic
def note_referral(psychologist_id: int, entry_id: int) -> Referral:
    """« Noter l'orientation »: keep ENTRY for the record of the psychologist's call (the one they are
    talking in, or the one whose record their wrap-up waits for)."""
    # A supervisor who joined notes for their own record: the one they write if the call is handed to them.
    call = Call.objects.in_progress_with(psychologist_id, joined=True).only("pk").first()
    call_id = call.pk if call else presence.wrap_up_call_id(psychologist_id)
    if call_id is None:
        raise ReferralError(
            gettext("Aucun appel en cours : l’orientation se note pendant un appel ou sa fin d’appel.")
        )
    entry = Entry.objects.published().filter(pk=entry_id).first()
    if entry is None:
        raise ReferralError(gettext("Cette adresse n’existe pas ou n’est plus publiée."))
    return _remember(call_id, psychologist_id, entry, sent=False)


def _remember(call_id, psychologist_id: int, entry: Entry, sent: bool) -> Referral:
    referral, created = Referral.objects.get_or_create(
        call_id=call_id, psychologist_id=psychologist_id, entry=entry, defaults={"sent": sent}
    )
    if sent and not referral.sent:
        Referral.objects.filter(pk=referral.pk).update(sent=True)
    return referral


def noted_entries(call_id, psychologist_id: int) -> list[Entry]:
    """The addresses this psychologist noted or sent during the call, in the order they did."""
    referrals = Referral.objects.filter(call_id=call_id, psychologist_id=psychologist_id).select_related(
        "entry__profession"
    )
    return [referral.entry for referral in referrals.order_by("noted_at", "pk")]


def forget_referrals(call_id, psychologist_id: int) -> None:
    """The record is saved and holds the addresses: the working memory goes."""
    Referral.objects.filter(call_id=call_id, psychologist_id=psychologist_id).delete()


def purge_referrals(now=None) -> int:
    """Retention (ecoute/security/retention.py): noted addresses of records never written."""
    now = now or timezone.now()
    return Referral.objects.filter(noted_at__lt=now - REFERRALS_KEPT).delete()[0]
