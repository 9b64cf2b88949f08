"""The rota's e-mails, sent by step 8's outbox (ecoute/programme/worker.py): shift offers and handovers.

- a colleague's shift offered: to each colleague who could take it (`shift_offer`);
- your shift was taken, the handover applied: to the psychologist who offered it (`shift_taken`);
- a handover waits for a decision (it would leave a half-hour under the minimum): to every supervisor
  who plans the rota (`handover_asked`);
- the supervisor approved or refused it: to the psychologist who offered the shift and the one who
  took it (`handover_decided`).

Queued in the transaction that makes the change, one row per recipient; rendered when sent, from the
offer as it is then: a message that no longer holds (an offer taken, withdrawn or begun meanwhile, a
decision already made) is dropped, not sent. The messages hold times, first names of colleagues and
links to the workspace, nothing about calls or callers.
"""

from django.conf import settings
from django.core.mail import EmailMessage
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext

from ecoute.accounts.access import rota_planners
from ecoute.programme.models import MailKind, OutboxMessage

from .models import OfferStatus, ShiftOffer


def _queue(offer: ShiftOffer, kind: str, recipients) -> int:
    now = timezone.now()
    rows = [
        OutboxMessage(kind=kind, shift_offer=offer, recipient=user, send_after=now)
        for user in recipients
        if user.email
    ]
    OutboxMessage.objects.bulk_create(rows)
    return len(rows)


def tell_colleagues(offer: ShiftOffer, colleagues) -> int:
    return _queue(offer, MailKind.SHIFT_OFFER, colleagues)


def tell_giver_taken(offer: ShiftOffer) -> int:
    return _queue(offer, MailKind.SHIFT_TAKEN, [offer.giver])


def ask_supervisors(offer: ShiftOffer) -> int:
    return _queue(offer, MailKind.HANDOVER_ASKED, rota_planners())


def tell_decision(offer: ShiftOffer) -> int:
    return _queue(offer, MailKind.HANDOVER_DECIDED, [offer.giver, offer.taker])


def is_stale(message: OutboxMessage) -> bool:
    """Whether what MESSAGE would say no longer holds (then it is dropped, not sent)."""
    offer = message.shift_offer
    if not message.recipient.is_active:
        return True
    if message.kind == MailKind.SHIFT_OFFER:
        return offer.status != OfferStatus.OPEN or offer.shift.start <= timezone.now()
    if message.kind == MailKind.HANDOVER_ASKED:
        return offer.status != OfferStatus.PENDING or offer.shift.start <= timezone.now()
    if message.kind == MailKind.SHIFT_TAKEN:
        return offer.status != OfferStatus.TAKEN
    return offer.status not in (OfferStatus.TAKEN, OfferStatus.REFUSED)  # the decision


def render(message: OutboxMessage) -> EmailMessage:
    offer = message.shift_offer
    shift = offer.shift
    start, end = timezone.localtime(shift.start), timezone.localtime(shift.end)
    with translation.override(settings.LANGUAGE_CODE):
        when = f"{date_format(start, 'l j F Y, H:i')}–{date_format(end, 'H:i')}"
        subject, paragraphs = _SAYS[message.kind](offer, when)
        return EmailMessage(
            subject=subject,
            body="\n\n".join(paragraphs) + "\n\n— Écoute\n",
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[message.recipient.email],
        )


def _link(name: str, anchor: str = "") -> str:
    return settings.ECOUTE_PUBLIC_URL + reverse(name) + anchor


def _name(user) -> str:
    """A colleague as the team calls them: their first name."""
    return user.first_name or gettext("un·e collègue")


def _offered(offer: ShiftOffer, when: str) -> tuple[str, list[str]]:
    return gettext("Garde proposée : %(when)s") % {"when": when}, [
        gettext("Un·e collègue propose une garde que vous pouvez reprendre : %(when)s.") % {"when": when},
        gettext("La première personne qui la prend l'obtient. Pour la prendre : %(url)s")
        % {"url": _link("rota:availability", "#offers-title")},
    ]


def _taken(offer: ShiftOffer, when: str) -> tuple[str, list[str]]:
    return gettext("Votre garde est reprise : %(when)s") % {"when": when}, [
        gettext("%(name)s a repris la garde que vous proposiez : %(when)s. Elle n'est plus à vous.")
        % {"name": _name(offer.taker), "when": when},
        gettext("Vos prochaines gardes : %(url)s") % {"url": _link("rota:availability")},
    ]


def _asked(offer: ShiftOffer, when: str) -> tuple[str, list[str]]:
    return gettext("Échange de garde à valider : %(when)s") % {"when": when}, [
        gettext(
            "%(taker)s veut reprendre la garde de %(giver)s (%(when)s), mais l'échange laisserait "
            "au moins une demi-heure en dessous du minimum : il attend votre décision."
        )
        % {"taker": _name(offer.taker), "giver": _name(offer.giver), "when": when},
        gettext("Pour l'accepter ou le refuser : %(url)s")
        % {"url": _link("rota:week", f"?semaine={timezone.localdate(offer.shift.start).isoformat()}")},
    ]


def _decided(offer: ShiftOffer, when: str) -> tuple[str, list[str]]:
    if offer.status == OfferStatus.TAKEN:
        subject = gettext("Échange de garde accepté : %(when)s")
        said = gettext("Un cadre a accepté l'échange : la garde du %(when)s passe de %(giver)s à %(taker)s.")
    else:
        subject = gettext("Échange de garde refusé : %(when)s")
        said = gettext(
            "Un cadre a refusé l'échange : la garde du %(when)s reste à %(giver)s, pour que la ligne "
            "ne manque pas d'écoutants."
        )
    names = {"when": when, "giver": _name(offer.giver), "taker": _name(offer.taker)}
    return subject % {"when": when}, [
        said % names,
        gettext("Vos prochaines gardes : %(url)s") % {"url": _link("rota:availability")},
    ]


_SAYS = {
    MailKind.SHIFT_OFFER: _offered,
    MailKind.SHIFT_TAKEN: _taken,
    MailKind.HANDOVER_ASKED: _asked,
    MailKind.HANDOVER_DECIDED: _decided,
}
