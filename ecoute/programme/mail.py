"""The programme's e-mails: written to the outbox by the actions, rendered and sent by the worker.

What a message says is decided here, when it is sent, from the registration as it is then, in the
language the person registered in. Reminders, join links and confirmation requests are dropped
when their registration no longer holds a place.
"""

from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext

from .models import HOLDING_STATES, MailKind, Moment, OutboxMessage, State

# Kinds sent only while the registration still holds a place when they fall due.
ONLY_WHILE_HOLDING = (MailKind.REMINDER, MailKind.JOIN_LINK, MailKind.CONFIRM_ASK, MailKind.MESSAGE)
# The questionnaires' e-mails, and the questionnaire each one opens (survey.py decides when they go).
SURVEY_MOMENTS = {MailKind.SURVEY_BEFORE: Moment.BEFORE, MailKind.SURVEY_AFTER: Moment.AFTER}


def message(registration, kind: str, at, subject: str = "", body: str = "") -> OutboxMessage:
    """An outbox row, not yet saved (for bulk_create)."""
    return OutboxMessage(registration=registration, kind=kind, send_after=at, subject=subject, body=body)


def queue(registration, kind: str, at, subject: str = "", body: str = "") -> OutboxMessage:
    outbox_message = message(registration, kind, at, subject, body)
    outbox_message.save()
    return outbox_message


def forget_sent(before) -> int:
    return (
        OutboxMessage.objects.filter(sent_at__lt=before).delete()[0]
        + OutboxMessage.objects.filter(dropped=True, created_at__lt=before).delete()[0]
    )


def is_stale(message: OutboxMessage) -> bool:
    """A message that has no reason to go any more."""
    if message.shift_offer_id:
        from ecoute.rota import mail as rota_mail

        return rota_mail.is_stale(message)
    registration = message.registration
    if message.kind in SURVEY_MOMENTS:
        from . import survey

        return not survey.link_is_open(registration, SURVEY_MOMENTS[message.kind])
    if message.kind in ONLY_WHILE_HOLDING and registration.state not in HOLDING_STATES:
        return True
    if message.kind == MailKind.OFFER and registration.state != State.OFFERED:
        return True
    if message.kind == MailKind.CONFIRM_ASK and registration.state != State.REGISTERED:
        return True
    return message.kind != MailKind.CERTIFICATE and registration.event.ends_at <= timezone.now()


def _when(event) -> str:
    start, end = timezone.localtime(event.starts_at), timezone.localtime(event.ends_at)
    if start.date() == end.date():
        return f"{date_format(start, 'l j F Y')}, {date_format(start, 'H:i')}–{date_format(end, 'H:i')}"
    return gettext("du %(start)s au %(end)s") % {
        "start": date_format(start, "l j F Y H:i"),
        "end": date_format(end, "l j F Y H:i"),
    }


def _where(event) -> str:
    if event.online:
        return gettext("En ligne : le lien de connexion vous sera envoyé une heure avant.")
    return ", ".join(part for part in (event.venue, event.city) if part)


def _content(message: OutboxMessage) -> tuple[str, list[str]]:
    """(subject, paragraphs) of MESSAGE, in the active language."""
    from .links import join_url, manage_url

    registration = message.registration
    event = registration.event
    manage = gettext("Gérer ou annuler votre inscription en un clic : %(url)s") % {
        "url": manage_url(registration)
    }
    facts = [event.title, _when(event), _where(event)]
    kind = message.kind
    if kind == MailKind.CONFIRMATION:
        paragraphs = [gettext("Votre inscription est enregistrée."), *facts]
        if registration.price_due:
            paragraphs.append(gettext("Reste à payer : %(price)s €.") % {"price": registration.price_due})
        paragraphs += [gettext("L'événement est joint à ce message (fichier de calendrier)."), manage]
        return gettext("Inscription confirmée : %(title)s") % {"title": event.title}, paragraphs
    if kind == MailKind.WAITING:
        return gettext("Liste d'attente : %(title)s") % {"title": event.title}, [
            gettext("L'événement est complet : vous êtes sur la liste d'attente."),
            gettext(
                "Si une place se libère, elle vous sera proposée par e-mail, avec un délai pour l'accepter."
            ),
            *facts,
            manage,
        ]
    if kind == MailKind.OFFER:
        deadline = date_format(timezone.localtime(registration.offer_expires_at), "l j F Y H:i")
        return gettext("Une place s'est libérée : %(title)s") % {"title": event.title}, [
            gettext(
                "Une place vous est proposée jusqu'au %(deadline)s. Passé ce délai, elle ira à la personne suivante."
            )
            % {"deadline": deadline},
            *facts,
            gettext("Accepter ou refuser la place : %(url)s") % {"url": manage_url(registration)},
        ]
    if kind == MailKind.REMINDER:
        return gettext("Rappel : %(title)s") % {"title": event.title}, [*facts, manage]
    if kind == MailKind.JOIN_LINK:
        return gettext("Votre lien de connexion : %(title)s") % {"title": event.title}, [
            *facts,
            gettext("Rejoindre l'atelier : %(url)s") % {"url": join_url(registration)},
            gettext("Ce lien vous est personnel : merci de ne pas le diffuser."),
        ]
    if kind == MailKind.CONFIRM_ASK:
        return gettext("Confirmez votre venue : %(title)s") % {"title": event.title}, [
            gettext("Venez-vous toujours ? Merci de le confirmer dans les 24 heures."),
            gettext("Sans confirmation, votre place pourra être donnée à une personne en liste d'attente."),
            *facts,
            gettext("Confirmer ou annuler : %(url)s") % {"url": manage_url(registration)},
        ]
    if kind == MailKind.CANCELLED:
        return gettext("Inscription annulée : %(title)s") % {"title": event.title}, [
            gettext("Votre inscription à cet événement est annulée."),
            *facts,
        ]
    if kind == MailKind.EVENT_CANCELLED:
        return gettext("Événement annulé : %(title)s") % {"title": event.title}, [
            gettext(
                "Nous sommes désolés : cet événement est annulé. Votre calendrier peut le retirer (fichier joint)."
            ),
            *facts,
        ]
    if kind == MailKind.CERTIFICATE:
        return gettext("Votre attestation de présence : %(title)s") % {"title": event.title}, [
            gettext("Votre attestation est jointe à ce message."),
            gettext("Code de vérification : %(code)s") % {"code": registration.certificate_code},
        ]
    if kind == MailKind.SURVEY_BEFORE:
        from . import survey

        return gettext("Avant la formation : %(title)s") % {"title": event.title}, [
            gettext(
                "Quelques questions avant la formation (deux minutes) : vos réponses, comparées à celles "
                "de la fin, mesurent ce que la formation apporte."
            ),
            *facts,
            gettext("Répondre : %(url)s") % {"url": survey.url(registration, Moment.BEFORE)},
        ]
    if kind == MailKind.SURVEY_AFTER:
        from . import survey

        return gettext("Votre avis sur la formation : %(title)s") % {"title": event.title}, [
            gettext(
                "Merci d'avoir suivi cette formation. Les mêmes questions qu'avant, et votre avis sur "
                "la formation : trois minutes, qui nous aident à l'améliorer."
            ),
            event.title,
            gettext("Répondre : %(url)s") % {"url": survey.url(registration, Moment.AFTER)},
        ]
    return message.subject, [message.body, *facts]


def render(message: OutboxMessage) -> EmailMessage:
    """The e-mail of an outbox row, with its calendar file or certificate attached."""
    from . import calendar, certificates

    if message.shift_offer_id:
        from ecoute.rota import mail as rota_mail

        return rota_mail.render(message)
    registration = message.registration
    with translation.override(registration.language):
        subject, paragraphs = _content(message)
        email = EmailMessage(
            subject=subject,
            body="\n\n".join(paragraphs) + "\n\n— Écoute\n",
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[registration.email],
        )
        if message.kind == MailKind.CONFIRMATION:
            email.attach("invitation.ics", calendar.invitation(registration), "text/calendar; method=REQUEST")
        elif message.kind == MailKind.EVENT_CANCELLED:
            email.attach(
                "annulation.ics",
                calendar.invitation(registration, cancel=True),
                "text/calendar; method=CANCEL",
            )
        elif message.kind == MailKind.CERTIFICATE:
            email.attach(
                f"attestation-{registration.certificate_code}.pdf",
                certificates.pdf(registration),
                "application/pdf",
            )
    return email


RETRY_DELAYS = [
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=6),
]
