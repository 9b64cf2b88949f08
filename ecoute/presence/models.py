"""Who is available right now. The database row is the truth; websockets only carry its changes."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    OFFLINE = "offline", _("Hors ligne")
    AVAILABLE = "available", _("Disponible")
    BREAK = "break", _("En pause")
    RINGING = "ringing", _("Sonne")
    IN_CALL = "in_call", _("En communication")
    WRAP_UP = "wrap_up", _("Fin d'appel")


class BoardStatus(models.TextChoices):
    """What a caller is told: never more than whether they can call now, or soon.

    A wrap-up is "finishing" rather than "busy": the caller who has just hung up must not read that
    their psychologist is on another call. The labels are neutral (no grammatical gender).
    """

    AVAILABLE = "available", _("Disponible")
    FINISHING = "finishing", _("Termine un appel")
    BUSY = "busy", _("En appel")
    AWAY = "away", _("Indisponible")


BOARD_STATUS = {
    Status.AVAILABLE: BoardStatus.AVAILABLE,
    Status.RINGING: BoardStatus.BUSY,
    Status.IN_CALL: BoardStatus.BUSY,
    Status.WRAP_UP: BoardStatus.FINISHING,
    Status.BREAK: BoardStatus.AWAY,
    Status.OFFLINE: BoardStatus.AWAY,
}


class Presence(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OFFLINE)
    changed_at = models.DateTimeField(_("depuis"), auto_now_add=True)
    last_seen = models.DateTimeField(_("dernier signe de vie"), null=True, blank=True)
    # Increases with every status change, so a client can drop an update older than what it shows.
    version = models.PositiveBigIntegerField(default=0)
    # The channel name of the one workspace connection that speaks for this psychologist.
    session = models.CharField(max_length=120, blank=True)
    # The earliest the wrap-up may end by itself (ECOUTE_MIN_WRAP_UP_SECONDS, or the capped break).
    wrap_up_until = models.DateTimeField(null=True, blank=True)
    # The call whose record the wrap-up waits for: it ends only once that record is saved, or when
    # the psychologist ends it themselves (listener protection: never rung halfway through a record).
    wrap_up_call_id = models.UUIDField(null=True, blank=True)
    # Calls answered since the last break (listener protection: a cap before a short break).
    consecutive_calls = models.PositiveSmallIntegerField(default=0)
    # After a call flagged high-risk: the workspace prompts a debrief with a supervisor.
    debrief_due = models.BooleanField(default=False)

    class Meta:
        indexes = [models.Index(fields=["status", "last_seen"])]
        verbose_name = _("présence")

    def __str__(self) -> str:
        return f"{self.user} — {self.get_status_display()}"

    @property
    def board_status(self) -> str:
        return BOARD_STATUS[self.status]


class OnlineMinute(models.Model):
    """How many listeners were on the line in one minute: the coverage view's "online" for the past.

    A count only, never who: the rota compares it with what was needed and planned, and a count
    per minute is all that takes (ecoute/presence/history.py).
    """

    minute = models.DateTimeField(_("minute"), primary_key=True)
    listeners = models.PositiveIntegerField(_("écoutants en ligne"))

    class Meta:
        verbose_name = _("écoutants en ligne (par minute)")
