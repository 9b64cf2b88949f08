"""Study invitations by e-mail: each address gets its own one-time link, and is forgotten once sent.

Staff paste addresses or upload a CSV (forms.InvitationMailForm reads them); queue() creates one
Invitation (the key's hash) and one InvitationMail (address and key, encrypted) per address. The
outbox's worker (ecoute/programme/worker.py) calls send_due(): mails of open studies go out, and
each row is deleted as soon as its mail has gone. A draft study's mails wait for it to open; a
closed study's are dropped. What remains afterwards is what remained before e-mail existed: hashes
of keys and whether each was used, never to whom it went nor which response it let in.
"""

import logging

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from ecoute.lib.crypto import opened
from ecoute.programme import worker

from . import answering
from .models import InvitationMail, Study, StudyStatus

logger = logging.getLogger(__name__)


@transaction.atomic
def queue(study: Study, addresses: list[str], language: str) -> int:
    """One one-time link per address, waiting in the outbox; returns how many were queued."""
    keys = answering.invite(study, len(addresses))
    InvitationMail.objects.bulk_create(
        [
            InvitationMail(study=study, address=address, key=key, language=language)
            for address, key in zip(addresses, keys, strict=True)
        ]
    )
    return len(addresses)


def waiting(study: Study) -> dict[str, int]:
    """For the staff's page: mails still to go, and mails the server would not take."""
    mails = InvitationMail.objects.filter(study=study)
    return {"pending": mails.filter(given_up=False).count(), "given_up": mails.filter(given_up=True).count()}


def link(study: Study, key: str) -> str:
    return f"{settings.ECOUTE_PUBLIC_URL}{reverse('studies:respond', args=[study.slug])}?invitation={key}"


def render(mail: InvitationMail) -> EmailMessage:
    study = mail.study
    with translation.override(mail.language):
        paragraphs = [
            gettext("L’association Écoute vous invite à répondre à l’étude « %(title)s ».")
            % {"title": study.title},
            study.description,
            gettext("Répondre : %(url)s") % {"url": link(study, opened(mail.key))},
            gettext(
                "Ce lien est à vous et sert une fois. Vos réponses sont anonymes : le lien n’est pas relié "
                "à ce que vous répondez, et votre adresse est effacée dès l’envoi de ce message."
            ),
        ]
        return EmailMessage(
            subject=gettext("Invitation : %(title)s") % {"title": study.title},
            body="\n\n".join(p for p in paragraphs if p) + "\n\n— Écoute\n",
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[opened(mail.address)],
        )


def send_due(now=None) -> dict[str, int]:
    """Send the invitations of open studies; drop those of closed ones. Counts per outcome."""
    dropped = InvitationMail.objects.filter(study__status=StudyStatus.CLOSED).delete()[0]
    due = InvitationMail.objects.filter(given_up=False, study__status=StudyStatus.OPEN)
    claimed = worker.claim(due, now or timezone.now())
    return worker.send_each(
        InvitationMail.objects.filter(pk__in=claimed).select_related("study"),
        _send_one,
        {"sent": 0, "dropped": dropped, "failed": 0},
    )


def _send_one(mail: InvitationMail, smtp) -> str:
    try:
        smtp.send_messages([render(mail)])
    except Exception as error:  # refused or away: tried again later, or given up and erased
        gave_up = mail.attempts >= worker.MAX_ATTEMPTS
        changes = {"last_error": type(error).__name__[:300], "given_up": gave_up}
        if gave_up:
            changes.update(address="", key="")
        InvitationMail.objects.filter(pk=mail.pk).update(**changes)
        logger.warning(
            "study invitation %s not sent (try %s): %s", mail.pk, mail.attempts, type(error).__name__
        )
        return "failed"
    InvitationMail.objects.filter(pk=mail.pk).delete()
    return "sent"
