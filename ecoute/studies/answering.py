"""Answering a study: check every answer against its question, then store the response in one go."""

import hashlib
import secrets

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from .models import Answer, Invitation, QuestionKind, Response, Study, StudyStatus

MAX_TEXT = 2000


class Refused(Exception):
    pass


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def invite(study: Study, count: int) -> list[str]:
    """COUNT new one-time keys for STUDY (returned once, stored as hashes only)."""
    keys = [secrets.token_urlsafe(18) for _ in range(count)]
    Invitation.objects.bulk_create([Invitation(study=study, key_hash=key_hash(key)) for key in keys])
    return keys


def invitation_state(study: Study, key: str) -> str:
    """ "unused", "used" or "unknown" (never created, for another study, or purged with its closed study)."""
    used = (
        Invitation.objects.filter(study=study, key_hash=key_hash(key)).values_list("used", flat=True).first()
    )
    return "unknown" if used is None else ("used" if used else "unused")


def check(study: Study, data) -> tuple[dict, dict]:
    """The answers of a submitted form (a QueryDict) as values per question id, and the errors per question id."""
    values, errors = {}, {}
    for question in study.questions.all():
        name = f"q{question.pk}"
        options = question.options
        if question.kind == QuestionKind.MULTIPLE:
            picked = data.getlist(name)
            if any(choice not in options for choice in picked):
                errors[question.pk] = gettext("Choisissez parmi les réponses proposées.")
            value = picked
        else:
            value = (data.get(name) or "").strip()
            if value and question.kind in (QuestionKind.SINGLE, QuestionKind.SCALE) and value not in options:
                errors[question.pk] = gettext("Choisissez parmi les réponses proposées.")
            if value and question.kind == QuestionKind.NUMBER:
                try:
                    value = int(value)
                except ValueError:
                    errors[question.pk] = gettext("Écrivez un nombre entier.")
                else:
                    if not question.low <= value <= question.high:
                        errors[question.pk] = gettext("Un nombre entre %(low)s et %(high)s.") % {
                            "low": question.low,
                            "high": question.high,
                        }
            if question.kind == QuestionKind.TEXT and len(value) > MAX_TEXT:
                errors[question.pk] = gettext("%(max)s caractères au plus.") % {"max": MAX_TEXT}
        if question.required and value in ("", []) and question.pk not in errors:
            errors[question.pk] = gettext("Cette question demande une réponse.")
        values[question.pk] = value
    return values, errors


@transaction.atomic
def answer(study: Study, values: dict, invitation_key: str = "") -> Response:
    """Store one response; an invitation is spent in the same transaction and linked to nothing."""
    if not Study.objects.filter(pk=study.pk, status=StudyStatus.OPEN).exists():
        raise Refused(gettext("Cette étude n’est pas ouverte."))
    if study.by_invitation:
        spent = Invitation.objects.filter(study=study, key_hash=key_hash(invitation_key), used=False).update(
            used=True
        )
        if spent != 1:
            raise Refused(gettext("Ce lien d’invitation n’est pas valable ou a déjà servi."))
    response = Response.objects.create(study=study, month=timezone.localdate().replace(day=1))
    rows = []
    for question in study.questions.all():
        value = values.get(question.pk)
        if value in (None, "", []):
            continue
        if question.kind == QuestionKind.MULTIPLE:
            rows += [Answer(response=response, question=question, choice=choice) for choice in value]
        elif question.kind == QuestionKind.NUMBER:
            rows.append(Answer(response=response, question=question, number=value))
        elif question.kind == QuestionKind.TEXT:
            rows.append(Answer(response=response, question=question, text=value))
        else:
            rows.append(Answer(response=response, question=question, choice=value))
    Answer.objects.bulk_create(rows)
    return response


def purge() -> int:
    """Invitations of closed studies serve nothing any more, nor their e-mails not sent: deleted
    (docs/retention.md)."""
    from .models import InvitationMail

    closed = {"study__status": StudyStatus.CLOSED}
    return (
        Invitation.objects.filter(**closed).delete()[0] + InvitationMail.objects.filter(**closed).delete()[0]
    )
