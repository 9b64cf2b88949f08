"""A follow-up the caller of an app call agreed to: a time, a psychologist, and nothing about the caller.

The caller's app keeps the link back (a calendar file on their device); the server keeps only the
link's SHA-256, which psychologist it leads to, when, and until when it works. Where the browser
allows it, the reminder by Web Push: the push subscription and the link, encrypted with the notes'
keys, emptied once the reminder is sent; the row itself goes when the link is used or expires.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ecoute.lib.crypto import EncryptedTextField


class FollowUp(models.Model):
    token_hash = models.CharField(max_length=64, unique=True)
    psychologist = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    at = models.DateTimeField(_("heure convenue"), db_index=True)
    expires_at = models.DateTimeField(_("lien valable jusqu’à"), db_index=True)
    # JSON {"subscription": …, "link": …} for the reminder, encrypted; empty without push or once sent.
    reminder = EncryptedTextField(_("rappel (chiffré)"), blank=True, default="")
    reminder_tries = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("suivi convenu")


class Outcome(models.TextChoices):
    PLANNED = "planned", _("Suivis convenus")
    KEPT = "kept", _("Suivis honorés (l’appelant est revenu par son lien ou son code)")


class FollowUpCount(models.Model):
    """How many follow-ups were agreed and kept in a month, by channel: counts, never a row per caller."""

    month = models.DateField(_("mois"))  # its first day
    channel = models.CharField(_("canal"), max_length=8)
    outcome = models.CharField(_("issue"), max_length=8, choices=Outcome.choices)
    count = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("suivis (compte)")
        constraints = [
            models.UniqueConstraint(fields=["month", "channel", "outcome"], name="one_follow_up_cell")
        ]
