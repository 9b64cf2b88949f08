"""Studies and surveys of health professionals, anonymous by construction.

A response has no time finer than its month, no source, no link to the invitation that let it in
(an invitation only knows whether it was used), no link to any other response; free text is
encrypted and never published. Results are published with the statistics' small-cell suppression.
"""

import uuid

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ecoute.lib.crypto import EncryptedTextField

MIN_PUBLISHED_CELL = 5


class StudyStatus(models.TextChoices):
    DRAFT = "draft", _("Brouillon")
    OPEN = "open", _("Ouverte")
    CLOSED = "closed", _("Terminée")


class Study(models.Model):
    slug = models.SlugField(_("adresse"), max_length=80, unique=True)
    title = models.CharField(_("titre"), max_length=160)
    description = models.TextField(_("présentation"), blank=True)
    status = models.CharField(
        _("état"), max_length=10, choices=StudyStatus.choices, default=StudyStatus.DRAFT
    )
    by_invitation = models.BooleanField(_("sur invitation seulement"), default=False)
    min_cell = models.PositiveSmallIntegerField(
        _("effectif minimal publié"),
        default=MIN_PUBLISHED_CELL,
        help_text=_("Aucun nombre plus petit n’est publié (5 au moins)."),
    )
    results_published = models.BooleanField(_("résultats publiés"), default=False)

    class Meta:
        verbose_name = _("étude")

    def __str__(self):
        return self.title

    @property
    def k(self) -> int:
        return max(self.min_cell, MIN_PUBLISHED_CELL)


class QuestionKind(models.TextChoices):
    SINGLE = "single", _("Choix unique")
    MULTIPLE = "multiple", _("Choix multiples")
    SCALE = "scale", _("Échelle")
    NUMBER = "number", _("Nombre")
    TEXT = "text", _("Texte libre")


class Question(models.Model):
    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField(_("ordre"), default=0)
    kind = models.CharField(_("type"), max_length=10, choices=QuestionKind.choices)
    text = models.CharField(_("question"), max_length=300)
    choices = models.TextField(_("réponses proposées (une par ligne)"), blank=True)
    low = models.IntegerField(_("minimum"), default=0)
    high = models.IntegerField(_("maximum"), default=10)
    required = models.BooleanField(_("obligatoire"), default=True)

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self):
        return self.text

    @property
    def options(self) -> list[str]:
        if self.kind == QuestionKind.SCALE:
            return [str(value) for value in range(self.low, self.high + 1)]
        return [line.strip() for line in self.choices.splitlines() if line.strip()]


class Invitation(models.Model):
    """A one-time link: only the SHA-256 of its key and whether it was used. Nothing points to the response."""

    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="invitations")
    key_hash = models.CharField(max_length=64, unique=True)
    used = models.BooleanField(default=False)


class Response(models.Model):
    # A random id: the order of responses tells nothing (not even which came after which invitation was used).
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="responses")
    month = models.DateField()


class Answer(models.Model):
    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="answers")
    choice = models.CharField(max_length=200, blank=True)
    number = models.IntegerField(null=True)
    text = EncryptedTextField(blank=True)


class InvitationMail(models.Model):
    """An invitation to send by e-mail, waiting for the outbox's worker (ecoute/studies/mailing.py).

    The address and the link's key are encrypted, and the row is deleted as soon as the mail has
    gone: after sending, nothing says who was invited. It names no Invitation (the key's hash would,
    but the key itself goes with the row) and nothing names it: it cannot lead to a response.
    A mail the SMTP server keeps refusing is given up: its address and key are erased at once and
    only the count of such failures stays until the study closes.
    """

    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="invitation_mails")
    address = EncryptedTextField(blank=True)
    key = EncryptedTextField(blank=True)
    language = models.CharField(max_length=8, default="fr")
    attempts = models.PositiveSmallIntegerField(default=0)
    next_try_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    given_up = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
