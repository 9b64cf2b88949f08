"""The security journal: who did what to accounts, keys, data and blocks. Written once, never changed.

It names staff members (the actor, and the account acted on), never a caller: a block of a caller's
device or source is journalled without the hash it blocks. The note-read audit stays apart, in
ecoute.contacts (NoteRead), because it is read per record.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ecoute.lib.append_only import AppendOnlyModel


class SecurityEventKind(models.TextChoices):
    LOGIN = "login", _("Connexion")
    LOGIN_FAILED = "login_failed", _("Échec de connexion")
    LOGIN_THROTTLED = "login_throttled", _("Connexion ralentie")
    LOGOUT = "logout", _("Déconnexion")
    SECOND_FACTOR_SET_UP = "2fa_set_up", _("Second facteur configuré")
    SECOND_FACTOR_RESET = "2fa_reset", _("Second facteur réinitialisé")
    RECOVERY_CODES = "recovery_codes", _("Codes de secours renouvelés")
    ROLE_CHANGED = "role_changed", _("Rôle modifié")
    EXPORT = "export", _("Export")
    IMPORT = "import", _("Import")
    PURGE = "purge", _("Purge")
    KEY_ROTATION = "key_rotation", _("Rotation des clés")
    BLOCK = "block", _("Blocage")
    UNBLOCK = "unblock", _("Levée de blocage")
    REAUTHENTICATION = "reauthentication", _("Second facteur redemandé")
    # A testimony author's sealed record opened on a legal request (ecoute/selfhelp).
    LEGAL_READ = "legal_read", _("Ouverture sur réquisition")
    # A signature of a training's sign-in sheet removed by programme staff (signed by mistake).
    SIGNATURE_REMOVED = "signature_removed", _("Signature retirée")


class SecurityEvent(AppendOnlyModel):
    at = models.DateTimeField(_("le"), default=timezone.now, db_index=True)
    kind = models.CharField(_("événement"), max_length=32, choices=SecurityEventKind.choices, db_index=True)
    # Null for what the platform does by itself (a scheduled purge) or for an unknown account.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="security_events",
        verbose_name=_("par"),
    )
    # What it was about, in words an administrator reads: never a caller's identifier.
    summary = models.CharField(_("détail"), max_length=300, blank=True)
    details = models.JSONField(_("données"), default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("événement de sécurité")
        verbose_name_plural = _("journal de sécurité")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — {self.summary}"
