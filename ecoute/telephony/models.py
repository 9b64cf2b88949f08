"""The code de suivi: how a phone caller, who has no device key, finds their psychologist again."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class FollowUpCode(models.Model):
    """Six digits a psychologist gave a phone caller aloud at the end of a call.

    It stands for the call's caller key hash (the same kind of link as the app's device key, never a
    number): a caller who keys it in the menu is offered to that psychologist first. Only a keyed
    hash of the digits is kept; the row goes when it expires (the retention purge).
    """

    code_hash = models.CharField(max_length=64, unique=True)
    caller_key_hash = models.CharField(max_length=64)
    psychologist = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    call = models.OneToOneField("calls.Call", on_delete=models.CASCADE, related_name="follow_up_code")
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("code de suivi")
