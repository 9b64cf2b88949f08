"""The callers' anonymous feedback after a call: counts only, never a row per answer.

"Cet appel vous a-t-il aidé ?" and two optional questions. What is stored is how many gave each
combination of answers in a month, by channel: no call, no psychologist, no device, no time finer
than the month. A single answer cannot be told from the others, even by whoever reads the table.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Helped(models.TextChoices):
    YES = "yes", _("Oui")
    PARTLY = "partly", _("Un peu")
    NO = "no", _("Non")


class YesNo(models.TextChoices):
    UNANSWERED = "", _("Sans réponse")
    YES = "yes", _("Oui")
    NO = "no", _("Non")


class FeedbackCount(models.Model):
    month = models.DateField(_("mois"))  # its first day
    channel = models.CharField(_("canal"), max_length=8)
    helped = models.CharField(_("l’appel a aidé"), max_length=8, choices=Helped.choices)
    listened = models.CharField(_("s’est senti écouté"), max_length=4, choices=YesNo.choices, blank=True)
    would_call_again = models.CharField(_("rappellerait"), max_length=4, choices=YesNo.choices, blank=True)
    count = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("retours anonymes (compte)")
        constraints = [
            models.UniqueConstraint(
                fields=["month", "channel", "helped", "listened", "would_call_again"],
                name="one_feedback_cell",
            )
        ]
