"""A call is one person asking for help; a ring is one psychologist being offered that call.

Statistics count people, not rings: a caller whose first choice declined and who then talked to
someone else is one answered call with two rings (declined, accepted).
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ecoute.lib.crypto import EncryptedTextField


class CallState(models.TextChoices):
    REQUESTED = "requested", _("En attente d'un psychologue")
    RINGING = "ringing", _("Sonne")
    CONNECTED = "connected", _("En communication")
    ENDED = "ended", _("Terminé")
    ABANDONED = "abandoned", _("Abandonné par l'appelant")


class EndReason(models.TextChoices):
    CALLER_HUNG_UP = "caller_hung_up", _("L'appelant a raccroché")
    PSYCHOLOGIST_HUNG_UP = "psychologist_hung_up", _("Le psychologue a raccroché")
    CALLER_LOST = "caller_lost", _("Connexion de l'appelant perdue")
    PSYCHOLOGIST_LOST = "psychologist_lost", _("Connexion du psychologue perdue")
    CALLER_LEFT = "caller_left", _("L'appelant est parti avant la réponse")
    # A phone caller who put the phone down in the voice menu, before joining the queue: an
    # abandoned call like any other for the figures, its stage told by this reason.
    LEFT_IN_MENU = "left_in_menu", _("L'appelant a raccroché dans le menu vocal")
    # Ended by a supervisor's block of its device or source (ecoute/abuse): counted apart.
    BLOCKED = "blocked", _("Bloqué comme abus")


class Channel(models.TextChoices):
    APP = "app", _("Application")
    PHONE = "phone", _("Téléphone")


class Priority(models.IntegerChoices):
    NORMAL = 0, _("Normale")
    # The caller said they are in danger or have suicidal thoughts, or a supervisor raised it.
    URGENT = 1, _("Urgente")


class CallQuerySet(models.QuerySet):
    def in_progress_with(self, listener_id: int, *, ringing: bool = False, joined: bool = False):
        """The call LISTENER_ID is in now (one at most): the one they talk in; with RINGING, also the
        one ringing for them; with JOINED, also the one they joined as a supervisor."""
        states = [CallState.RINGING, CallState.CONNECTED] if ringing else [CallState.CONNECTED]
        theirs = models.Q(psychologist_id=listener_id, state__in=states)
        if joined:
            theirs |= models.Q(supervisor_id=listener_id, state=CallState.CONNECTED)
        return self.filter(theirs)


class Call(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    state = models.CharField(max_length=16, choices=CallState.choices, default=CallState.REQUESTED)
    channel = models.CharField(max_length=8, choices=Channel.choices, default=Channel.APP)
    # SHA-256 of the random key kept on the caller's device; the key itself never leaves it stored.
    caller_key_hash = models.CharField(max_length=64, blank=True, db_index=True)
    # The psychologist ringing now, or the one who answered.
    psychologist = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="calls"
    )
    requested_at = models.DateTimeField(_("demandé à"))
    ringing_at = models.DateTimeField(_("première sonnerie"), null=True, blank=True)
    answered_at = models.DateTimeField(_("décroché à"), null=True, blank=True)
    ended_at = models.DateTimeField(_("terminé à"), null=True, blank=True)
    end_reason = models.CharField(max_length=24, choices=EndReason.choices, blank=True)
    # The queue (ecoute/calls/queue.py). A call with queued_at set is the router's to place; a
    # call without it was placed by the caller tapping one psychologist.
    queued_at = models.DateTimeField(_("entré dans la file à"), null=True, blank=True)
    priority = models.PositiveSmallIntegerField(
        _("priorité"), choices=Priority.choices, default=Priority.NORMAL
    )
    language = models.ForeignKey(
        "accounts.Language",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("langue demandée"),
    )
    # A returning caller waiting for their own psychologist rather than the next one free.
    preferred_psychologist = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Last sign of life from the caller's app: a waiting call whose caller vanished is abandoned.
    caller_seen_at = models.DateTimeField(_("dernier signe de l'appelant"), null=True, blank=True)
    high_risk = models.BooleanField(_("urgence vitale signalée"), default=False)
    # Warm transfer: a supervisor who joined the call; once the psychologist leaves, they carry it on.
    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # From a source flooding the line (ecoute/abuse): placed after every other waiting call.
    held_back = models.BooleanField(_("mis en retrait (abus)"), default=False)
    # « Rappel immédiat par un cadre »: a supervisor called the waiting caller back at once from the
    # board, and answered them (psychologist then names that supervisor).
    called_back = models.BooleanField(_("rappel immédiat par un cadre"), default=False)
    # How long the psychologist's wrap-up after this call lasted (record, pause): with the talk, the
    # time a call holds a listener, which the rota's requirement counts (ecoute/rota/forecast.py).
    wrap_up_seconds = models.PositiveIntegerField(_("durée de l'après-appel (s)"), null=True, blank=True)

    objects = CallQuerySet.as_manager()

    class Meta:
        ordering = ["-requested_at"]
        indexes = [
            models.Index(fields=["state", "requested_at"]),
            models.Index(fields=["state", "priority", "queued_at"], name="calls_queue_order"),
        ]
        verbose_name = _("appel")

    def __str__(self) -> str:
        return f"{self.get_state_display()} — {self.requested_at:%Y-%m-%d %H:%M}"


class RingOutcome(models.TextChoices):
    RINGING = "ringing", _("Sonne")
    ACCEPTED = "accepted", _("Décroché")
    DECLINED = "declined", _("Refusé")
    MISSED = "missed", _("Sans réponse")
    CANCELLED = "cancelled", _("Annulé par l'appelant")


class Ring(models.Model):
    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="rings")
    psychologist = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="rings")
    outcome = models.CharField(max_length=12, choices=RingOutcome.choices, default=RingOutcome.RINGING)
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["started_at"]
        indexes = [models.Index(fields=["outcome", "started_at"])]
        constraints = [
            # A call rings at most one psychologist at a time.
            models.UniqueConstraint(
                fields=["call"], condition=models.Q(outcome="ringing"), name="one_ringing_ring_per_call"
            ),
        ]
        verbose_name = _("sonnerie")


class AlertKind(models.TextChoices):
    DANGER = "danger", _("Appelant en danger dans la file")
    EMERGENCY = "emergency", _("Urgence vitale signalée")
    HELP = "help", _("Demande d'aide d'un écoutant")
    TRANSFER = "transfer", _("Transfert vers un cadre")
    CALLBACK = "callback", _("Rappel immédiat par un cadre")
    LONG_WAIT = "long_wait", _("Attente trop longue")
    LOW_STAFF = "low_staff", _("Trop peu d'écoutants disponibles")
    MISSED_RING = "missed_ring", _("Sonnerie sans réponse")
    DEBRIEF = "debrief", _("Débriefing demandé après un appel à risque")
    # A testimony being written signals suicidal crisis or danger (ecoute/selfhelp): read it first.
    TESTIMONY = "testimony", _("Témoignage signalant un danger")
    # Wrong codes de suivi keyed in a burst on the phone line, whatever their numbers (ecoute/abuse).
    CODE_GUESSING = "code_guessing", _("Codes de suivi essayés en rafale")
    # The coming hour at risk, or planned below the requirement (ecoute/rota/risk.py): ask someone in.
    COVERAGE_GAP = "coverage_gap", _("Risque d’attente dans l’heure qui vient")


class Alert(models.Model):
    """Something a supervisor must see, shown on the supervision board until a supervisor takes it.

    Alerts are the audit trail of escalations: they are closed, never edited nor deleted; only their
    reason is emptied by the retention purge (ecoute/security/retention.py).
    """

    kind = models.CharField(max_length=16, choices=AlertKind.choices)
    call = models.ForeignKey(Call, null=True, blank=True, on_delete=models.PROTECT, related_name="alerts")
    # The psychologist who raised it, or the one it is about (a missed ring).
    psychologist = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # What the psychologist typed ("la personne dit avoir pris des médicaments"): health data,
    # encrypted; emptied by the retention purge after ECOUTE_ALERT_REASON_RETENTION_DAYS.
    reason = EncryptedTextField(_("motif"), blank=True, default="")
    created_at = models.DateTimeField()
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    # Alerts of one kind from one source in a few seconds share a random marker and show as one line
    # on the board (ecoute/abuse/limits.alert_group); never the source's hash.
    group = models.CharField(max_length=16, blank=True, db_index=True)

    class Meta:
        ordering = ["created_at"]
        indexes = [models.Index(fields=["closed_at", "created_at"])]
        constraints = [
            # One open alert of a kind per call (a long wait is raised once, not every second).
            models.UniqueConstraint(
                fields=["kind", "call"],
                condition=models.Q(closed_at__isnull=True),
                name="one_open_alert_per_call_and_kind",
            ),
        ]
        verbose_name = _("alerte")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — {self.created_at:%Y-%m-%d %H:%M}"
