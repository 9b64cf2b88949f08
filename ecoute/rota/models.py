"""The rota: what the psychologists say they can give, what the planner asks of them, and the
events that change the line's load. Staff data only: nothing here is about a caller."""

import secrets
from datetime import time

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# How long the rota keeps what it no longer needs (docs/retention.md, ecoute/rota/retention.py).
SHIFTS_KEPT_DAYS = 365  # worked shifts: the proof of the hours given, a year
EXCEPTIONS_KEPT_DAYS = 30  # a past exception serves nobody after a month
ADJUSTMENTS_KEPT_DAYS = 730  # known events: kept two years, to recognise the next one
OFFERS_KEPT_DAYS = 90  # a shift offered to colleagues: who gave, who took, kept a season after the shift


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("lundi")
    TUESDAY = 1, _("mardi")
    WEDNESDAY = 2, _("mercredi")
    THURSDAY = 3, _("jeudi")
    FRIDAY = 4, _("vendredi")
    SATURDAY = 5, _("samedi")
    SUNDAY = 6, _("dimanche")


def minutes_of(moment: time, *, end: bool = False) -> int:
    """Minutes since midnight; an END at 00:00 is the midnight that closes the day (1440)."""
    minutes = moment.hour * 60 + moment.minute
    return 1440 if end and minutes == 0 else minutes


def new_feed_key() -> str:
    return secrets.token_urlsafe(32)


class Commitment(models.Model):
    """What one psychologist offers the rota beyond their hours: a ceiling, and their calendar's key."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="rota_commitment"
    )
    max_hours_per_week = models.PositiveSmallIntegerField(
        _("heures par semaine au plus"),
        default=12,
        validators=[MinValueValidator(0), MaxValueValidator(60)],
    )
    # The secret part of the private calendar feed's address; a new one cuts off the old link.
    feed_key = models.CharField(max_length=64, unique=True, default=new_feed_key)

    class Meta:
        verbose_name = _("engagement au planning")


class WeeklyAvailability(models.Model):
    """One recurring window of a week in which a psychologist can be planned."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="weekly_availability"
    )
    weekday = models.PositiveSmallIntegerField(_("jour"), choices=Weekday.choices)
    start = models.TimeField(_("de"))
    end = models.TimeField(_("à"), help_text=_("00:00 pour minuit, en fin de journée."))

    class Meta:
        ordering = ["weekday", "start"]
        verbose_name = _("disponibilité habituelle")

    @property
    def minutes(self) -> tuple[int, int]:
        return minutes_of(self.start), minutes_of(self.end, end=True)


class AvailabilityException(models.Model):
    """Days that differ from the weekly pattern: away (all day, or some hours), or available more."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="rota_exceptions"
    )
    first_day = models.DateField(_("du"))
    last_day = models.DateField(_("au"))
    available = models.BooleanField(_("disponible"), default=False)
    # Empty: the whole of each day.
    start = models.TimeField(_("de"), null=True, blank=True)
    end = models.TimeField(_("à"), null=True, blank=True)

    class Meta:
        ordering = ["first_day", "start"]
        verbose_name = _("exception de disponibilité")

    @property
    def minutes(self) -> tuple[int, int]:
        if self.start is None:
            return 0, 1440
        return minutes_of(self.start), minutes_of(self.end, end=True)


class Adjustment(models.Model):
    """A known event that changes the number of calls (a holiday, a strike, a campaign): a factor."""

    first_day = models.DateField(_("du"))
    last_day = models.DateField(_("au"))
    factor = models.FloatField(
        _("facteur"),
        validators=[MinValueValidator(0.1), MaxValueValidator(5)],
        help_text=_("1,5 : moitié plus d'appels ; 0,8 : un cinquième de moins."),
    )
    reason = models.CharField(_("raison"), max_length=160)

    class Meta:
        ordering = ["first_day"]
        verbose_name = _("événement prévu")


class ShiftStatus(models.TextChoices):
    PLANNED = "planned", _("Prévu")
    CONFIRMED = "confirmed", _("Confirmé")
    CANCELLED = "cancelled", _("Annulé")


class Shift(models.Model):
    """One psychologist on duty from START to END (half-hour boundaries), as planned or edited."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="shifts")
    start = models.DateTimeField(_("début"))
    end = models.DateTimeField(_("fin"))
    status = models.CharField(
        _("état"), max_length=12, choices=ShiftStatus.choices, default=ShiftStatus.PLANNED
    )
    # On duty as supervisor (the supervisors' minimum), not as one of the listeners.
    supervising = models.BooleanField(_("en supervision"), default=False)

    class Meta:
        ordering = ["start", "user_id"]
        indexes = [models.Index(fields=["start", "end"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__gt=models.F("start")), name="shift_ends_after_start"
            )
        ]
        verbose_name = _("créneau de garde")


class OfferStatus(models.TextChoices):
    OPEN = "open", _("Proposée")
    # Taken by a colleague, but the handover would leave a half-hour under the minimum: a supervisor decides.
    PENDING = "pending", _("En attente d'un cadre")
    TAKEN = "taken", _("Reprise")
    WITHDRAWN = "withdrawn", _("Retirée")
    REFUSED = "refused", _("Refusée par un cadre")


# An offer still in play: at most one per shift.
LIVE_OFFERS = (OfferStatus.OPEN, OfferStatus.PENDING)


class ShiftOffer(models.Model):
    """A psychologist offering one of their shifts to eligible colleagues (ecoute/rota/swaps.py)."""

    shift = models.ForeignKey(Shift, on_delete=models.CASCADE, related_name="offers")
    giver = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    taker = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    status = models.CharField(_("état"), max_length=12, choices=OfferStatus.choices, default=OfferStatus.OPEN)
    created_at = models.DateTimeField(default=timezone.now)
    taken_at = models.DateTimeField(null=True, blank=True)
    # The supervisor who approved or refused a handover that would have left a half-hour short.
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["shift__start", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["shift"], condition=models.Q(status__in=LIVE_OFFERS), name="one_live_offer_per_shift"
            )
        ]
        verbose_name = _("garde proposée")
