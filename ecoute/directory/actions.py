"""Sending a referral card to the caller's screen during an app call: the directory's only state-changing action."""

import uuid

from django.db import transaction
from django.utils.translation import gettext

from ecoute.calls.models import Call, CallState, Channel
from ecoute.lib.realtime import caller_group, relay_after_commit

from .models import Entry
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
    relay_after_commit(caller_group(call.pk), {"type": "referral.card", "call_id": str(call.pk), "card": card})
    return card

