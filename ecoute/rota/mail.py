"""The rota's e-mails, sent by step 8's outbox (ecoute/programme/worker.py): a colleague's shift offered.

Queued when the shift is offered, one row per eligible colleague; rendered when sent, from the offer
as it is then: an offer taken, withdrawn or begun meanwhile is dropped, not sent. The message holds
times and a link to the workspace, nothing about calls.
"""

from django.conf import settings
from django.core.mail import EmailMessage
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext

from ecoute.programme.models import MailKind, OutboxMessage

from .models import OfferStatus, ShiftOffer


def tell_colleagues(offer: ShiftOffer, colleagues) -> int:
    now = timezone.now()
    rows = [
        OutboxMessage(kind=MailKind.SHIFT_OFFER, shift_offer=offer, recipient=user, send_after=now)
        for user in colleagues
        if user.email
    ]
    OutboxMessage.objects.bulk_create(rows)
    return len(rows)


def is_stale(message: OutboxMessage) -> bool:
    offer = message.shift_offer
    return (
        offer.status != OfferStatus.OPEN
        or offer.shift.start <= timezone.now()
        or not message.recipient.is_active
    )


def render(message: OutboxMessage) -> EmailMessage:
    shift = message.shift_offer.shift
    start, end = timezone.localtime(shift.start), timezone.localtime(shift.end)
    with translation.override(settings.LANGUAGE_CODE):
        when = f"{date_format(start, 'l j F Y, H:i')}–{date_format(end, 'H:i')}"
        paragraphs = [
            gettext("Un·e collègue propose une garde que vous pouvez reprendre : %(when)s.") % {"when": when},
            gettext("La première personne qui la prend l'obtient. Pour la prendre : %(url)s")
            % {"url": settings.ECOUTE_PUBLIC_URL + reverse("rota:availability") + "#offers-title"},
        ]
        return EmailMessage(
            subject=gettext("Garde proposée : %(when)s") % {"when": when},
            body="\n\n".join(paragraphs) + "\n\n— Écoute\n",
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[message.recipient.email],
        )
