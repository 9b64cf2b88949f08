"""The only module that changes testimonies: submit, answer a request for changes, decide, thank, purge.

Rules: nothing of a testimony is shown before a moderator approves it; a testimony whose text
holds a watched phrase goes to the front of the queue and raises an alert on the supervisors'
board at once; every decision is journalled; what the law asks to keep about the author is sealed
apart (AuthorSeal).
"""

import hashlib
import json
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from ecoute.calls.models import AlertKind
from ecoute.calls.supervision import alerts
from ecoute.lib import sealing
from ecoute.lib.crypto import opened

from . import lexicon
from .models import (
    AuthorSeal,
    DecisionKind,
    ModerationDecision,
    Testimony,
    TestimonyStatus,
    WatchedPhrase,
)

WAITING = (TestimonyStatus.PENDING,)
FINAL = (TestimonyStatus.PUBLISHED, TestimonyStatus.REFUSED)
# What a moderator confirms before publishing (safe-messaging guidance; the Papageno approach).
CHECKLIST = {
    "no_method": gettext_lazy("Aucun détail de moyen ou de méthode"),
    "no_glamour": gettext_lazy("Rien qui présente le suicide comme une solution ou le rende attirant"),
    "no_identity": gettext_lazy("Aucun nom de personne, de service ou d’établissement reconnaissable"),
    "help_ending": gettext_lazy("Une fin qui protège : ce qui a aidé, où trouver de l’aide"),
}


class ModerationError(Exception):
    pass


def phrases() -> list[lexicon.Phrase]:
    rows = WatchedPhrase.objects.filter(active=True).values_list(
        "phrase", "not_followed_by", "not_preceded_by"
    )
    return lexicon.compile_phrases(rows)


def follow_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def source_over_limit(source: str) -> bool:
    """One more testimony from SOURCE (the day's keyed hash): beyond the hour's allowance?"""
    from ecoute.abuse.limits import count

    return (
        bool(source)
        and count(f"abuse:testimonies:{source}", 3600) > settings.ECOUTE_TESTIMONIES_PER_SOURCE_HOUR
    )


def _seal(testimony: Testimony, operation: str, text: str) -> None:
    document = {
        "content": testimony.pk,
        "operation": operation,
        "at": timezone.now().isoformat(),
        "pseudonym": testimony.pseudonym,
        "email": opened(testimony.email),
        "text_sha256": hashlib.sha256(text.encode()).hexdigest(),
    }
    public = settings.ECOUTE_AUTHOR_SEAL_PUBLIC_KEY
    AuthorSeal.objects.create(
        testimony_ref=testimony.pk,
        sealed=sealing.seal(json.dumps(document, ensure_ascii=False).encode(), public),
        key_fingerprint=sealing.fingerprint(public),
    )


def _alert_if_danger(testimony: Testimony, found: list[str]) -> None:
    if found:
        # No word of the text in the alert: its reason crosses nothing but says where to look.
        alerts.raise_alert(
            AlertKind.TESTIMONY,
            reason=gettext(
                "Un témoignage signale un danger : à lire en premier dans la file de modération (n° %(id)s)."
            )
            % {"id": testimony.pk},
        )


@transaction.atomic
def submit(
    pseudonym: str, theme: str, title: str, text: str, email: str = ""
) -> tuple[Testimony, str, list[str]]:
    """Store a new testimony for moderation; returns it, the author's follow key, the watched phrases found."""
    found = lexicon.danger_in(f"{title}\n{text}", phrases())
    key = secrets.token_urlsafe(24)
    testimony = Testimony.objects.create(
        pseudonym=pseudonym,
        theme=theme,
        title=title,
        text=text,
        email=email,
        follow_key_hash=follow_hash(key),
        danger=bool(found),
    )
    _seal(testimony, "creation", text)
    _alert_if_danger(testimony, found)
    return testimony, key, found


@transaction.atomic
def resubmit(key: str, title: str, text: str) -> tuple[Testimony, list[str]]:
    """The author's new version after a request for changes: back in the queue."""
    found = lexicon.danger_in(f"{title}\n{text}", phrases())
    testimony = Testimony.objects.select_for_update().get(follow_key_hash=follow_hash(key))
    if testimony.status != TestimonyStatus.CHANGES_REQUESTED:
        raise ModerationError(gettext("Ce témoignage n’attend pas de modification."))
    testimony.title, testimony.text, testimony.status = title, text, TestimonyStatus.PENDING
    testimony.danger = testimony.danger or bool(found)
    testimony.submitted_at = timezone.now()
    testimony.save()
    _seal(testimony, "change", text)
    _alert_if_danger(testimony, found)
    return testimony, found


def decide(
    testimony_id: int, moderator, kind: str, reason: str = "", checklist=(), edited_text: str = ""
) -> Testimony:
    """A moderator's decision on a waiting testimony, journalled; a count other than 1 means someone decided first."""
    kind = DecisionKind(kind)
    if kind in (DecisionKind.APPROVE, DecisionKind.APPROVE_EDITED) and set(checklist) != set(CHECKLIST):
        raise ModerationError(gettext("Cochez chaque point de la liste avant de publier."))
    if kind in (DecisionKind.REQUEST_CHANGES, DecisionKind.REFUSE) and not reason.strip():
        raise ModerationError(
            gettext("Écrivez à l’auteur ce qu’il faut changer, ou pourquoi le témoignage est refusé.")
        )
    if kind == DecisionKind.APPROVE_EDITED and not edited_text.strip():
        raise ModerationError(gettext("Le texte modifié est vide."))
    now = timezone.now()
    with transaction.atomic():
        testimony = Testimony.objects.select_for_update().get(pk=testimony_id)
        if testimony.status not in WAITING:
            raise ModerationError(gettext("Ce témoignage a déjà été traité."))
        if testimony.danger and at_distressing_cap(moderator):
            raise ModerationError(CAP_REACHED())
        text = opened(testimony.text)
        changes = {"decided_at": now, "author_message": reason.strip()}
        if kind in (DecisionKind.APPROVE, DecisionKind.APPROVE_EDITED):
            published = edited_text.strip() if kind == DecisionKind.APPROVE_EDITED else text
            changes |= {
                "status": TestimonyStatus.PUBLISHED,
                "published_text": published,
                "published_at": now,
                "text": "",
            }
        elif kind == DecisionKind.REQUEST_CHANGES:
            changes |= {"status": TestimonyStatus.CHANGES_REQUESTED}
        else:
            changes |= {"status": TestimonyStatus.REFUSED, "text": ""}
        if Testimony.objects.filter(pk=testimony_id, status__in=WAITING).update(**changes) != 1:
            raise ModerationError(gettext("Ce témoignage a déjà été traité."))
        ModerationDecision.objects.create(
            testimony_id=testimony_id,
            moderator=moderator,
            kind=kind,
            reason=reason.strip(),
            checklist=sorted(checklist),
            distressing=testimony.danger,
        )
        testimony.refresh_from_db()
        email = opened(testimony.email)
        if email:
            transaction.on_commit(lambda: _tell_author(email, testimony.title, kind, reason.strip()))
        if testimony.status in FINAL:
            Testimony.objects.filter(pk=testimony_id).update(email="")
        if (
            testimony.danger
            and distressing_this_shift(moderator) == settings.ECOUTE_MODERATION_DISTRESSING_CAP
        ):
            alerts.raise_alert(AlertKind.DEBRIEF, psychologist_id=moderator.pk)
    return testimony


def _tell_author(email: str, title: str, kind: str, message: str) -> None:
    lines = {
        DecisionKind.APPROVE: "Votre témoignage « {title} » est publié. Merci de l’avoir partagé.",
        DecisionKind.APPROVE_EDITED: "Votre témoignage « {title} » est publié, avec quelques retouches pour protéger les personnes citées. Merci.",
        DecisionKind.REQUEST_CHANGES: "Votre témoignage « {title} » pourra être publié après quelques modifications :\n\n{message}\n\nRetrouvez-le avec le lien de suivi qui vous a été donné.",
        DecisionKind.REFUSE: "Votre témoignage « {title} » ne sera pas publié :\n\n{message}",
    }
    body = (
        lines[kind].format(title=title, message=message)
        + "\n\nBesoin de parler ? La ligne d’écoute répond 24 h/24 : "
        + settings.ECOUTE_PHONE_NUMBER
    )
    send_mail("Expressions de soignants", body, None, [email], fail_silently=True)


def CAP_REACHED() -> str:  # noqa: N802 - a message, translated when said
    return gettext(
        "Vous avez relu assez de textes difficiles pendant ce service : celui-ci sera relu par un ou une "
        "collègue (les cadres de la ligne ont été prévenus du danger signalé)."
    )


def at_distressing_cap(moderator) -> bool:
    """Listener protection for moderators: past the cap, no more testimonies signalling danger this shift."""
    return distressing_this_shift(moderator) >= settings.ECOUTE_MODERATION_DISTRESSING_CAP


def distressing_this_shift(moderator) -> int:
    since = timezone.now() - timedelta(hours=settings.ECOUTE_MODERATION_SHIFT_HOURS)
    return ModerationDecision.objects.filter(moderator=moderator, distressing=True, at__gte=since).count()


def queue():
    """Waiting testimonies: those signalling danger first, then the oldest first."""
    return Testimony.objects.filter(status__in=WAITING).order_by("-danger", "submitted_at")


def published():
    return Testimony.objects.filter(status=TestimonyStatus.PUBLISHED)


def thank(testimony_id: int, source: str) -> bool:
    """One « merci » per source and testimony a day; False when already counted or not published."""
    if source and not cache.add(f"abuse:merci:{source}:{testimony_id}", 1, timeout=24 * 3600):
        return False
    return bool(published().filter(pk=testimony_id).update(thanks=F("thanks") + 1))


def purge(now: datetime) -> dict[str, int]:
    """The testimonies' retention rules (docs/retention.md)."""
    seals = AuthorSeal.objects.filter(
        created_at__lt=now - timedelta(days=settings.ECOUTE_TESTIMONY_SEAL_DAYS)
    )
    abandoned = Testimony.objects.filter(
        status=TestimonyStatus.CHANGES_REQUESTED,
        decided_at__lt=now - timedelta(days=settings.ECOUTE_TESTIMONY_ABANDONED_DAYS),
    )
    reasons = ModerationDecision.objects.filter(
        at__lt=now - timedelta(days=settings.ECOUTE_AUDIT_RETENTION_DAYS)
    ).exclude(reason="")
    refused = Testimony.objects.filter(
        status=TestimonyStatus.REFUSED,
        decided_at__lt=now - timedelta(days=settings.ECOUTE_AUDIT_RETENTION_DAYS),
    )
    return {
        "author_seals": seals.delete()[0],
        "abandoned_testimonies": abandoned.delete()[1].get("selfhelp.Testimony", 0),
        "decision_reasons": reasons.update(reason=""),
        "refused_testimonies": refused.delete()[1].get("selfhelp.Testimony", 0),
    }
