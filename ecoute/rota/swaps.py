"""Swaps and open shifts: a psychologist offers one of their shifts, eligible colleagues are told (the
list « Gardes proposées » and an e-mail through the outbox), the first to take it gets it.

A colleague is eligible when the shift keeps every rule the planner keeps for them: inside their
declared availability, within their hours per week, the rest before and after, the nights in a row,
their recovery after high-intensity shifts (ecoute/rota/intensity.py), and the English cover where
the giver was the only English speaker on duty. Taking is concurrency-safe: the offer's row is locked
(SELECT … FOR UPDATE), so of two colleagues taking it at once one gets it and the other is told so; the
taker's commitment row is locked too, so one person taking two offers at once cannot break their own
rules. A handover that would leave a half-hour further under what the line needs (listeners,
supervisors, English) is not applied: it waits for a supervisor to approve or refuse it.

Applied, a handover cancels the giver's shift and gives the taker a confirmed one at the same times:
both calendar feeds show it, and planning the week again keeps it.
"""

from collections import defaultdict
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from ecoute.accounts.access import LISTENING_ROLES, is_listener, supervises
from ecoute.accounts.models import ListenerProfile

from . import intensity
from .forecast import HALF_HOUR
from .models import (
    AvailabilityException,
    Commitment,
    OfferStatus,
    Shift,
    ShiftOffer,
    ShiftStatus,
    WeeklyAvailability,
)
from .planner import NIGHT_HOURS
from .planning import ENGLISH, free_half_hours
from .requirement import english_windows, needs, needs_english


class SwapError(Exception):
    """Why an offer, a withdrawal, a taking or a decision was refused, in the user's words."""


def half_hours(start: datetime, end: datetime) -> list[datetime]:
    """The local starts of the half-hours from START to END (stepped in UTC: a clock change is right)."""
    moments, moment = [], start
    while moment < end:
        moments.append(timezone.localtime(moment))
        moment += HALF_HOUR
    return moments


def when(moment: datetime) -> str:
    return date_format(timezone.localtime(moment), "l j F H:i")


def active_shifts(user_id: int):
    return Shift.objects.filter(user_id=user_id).exclude(status=ShiftStatus.CANCELLED)


def speaks_english(user) -> bool:
    profile = getattr(user, "listener_profile", None)
    return profile is not None and profile.languages.filter(code=ENGLISH).exists()


# --- Eligibility: the planner's rules, for one colleague and one shift --------------------------------


def reasons_against(user, shift: Shift, now: datetime | None = None) -> list[str]:
    """Why USER cannot take SHIFT (empty: they can)."""
    now = now or timezone.now()
    if user.pk == shift.user_id:
        return [_("C'est votre propre garde.")]
    if not (user.is_active and is_listener(user)):
        return [_("Seuls les écoutants du planning peuvent reprendre une garde.")]
    checks = (
        outside_availability,
        too_little_rest,
        too_many_hours,
        too_many_nights,
        recovering,
        english_lost,
    )
    return [reason for check in checks if (reason := check(user, shift, now))]


def outside_availability(user, shift: Shift, now) -> str:
    moments = half_hours(shift.start, shift.end)
    days = sorted({moment.date() for moment in moments})
    free = free_half_hours(
        WeeklyAvailability.objects.filter(user=user),
        AvailabilityException.objects.filter(user=user, last_day__gte=days[0], first_day__lte=days[-1]),
        days,
    )
    if all(moment.hour * 2 + moment.minute // 30 in free[moment.date()] for moment in moments):
        return ""
    return _("Cette garde sort de vos disponibilités déclarées.")


def too_little_rest(user, shift: Shift, now) -> str:
    rest = timedelta(hours=settings.ECOUTE_ROTA_REST_HOURS)
    near = active_shifts(user.pk).filter(start__lt=shift.end + rest, end__gt=shift.start - rest).first()
    if near is None:
        return ""
    return _("Moins de %(hours)s h de repos avec votre garde du %(when)s.") % {
        "hours": settings.ECOUTE_ROTA_REST_HOURS,
        "when": when(near.start),
    }


def too_many_hours(user, shift: Shift, now) -> str:
    """A shift counts in the ISO week it starts, as in the planner."""
    local = timezone.localtime(shift.start)
    monday = timezone.make_aware(
        datetime.combine(local.date() - timedelta(days=local.weekday()), datetime.min.time())
    )
    week = active_shifts(user.pk).filter(start__gte=monday, start__lt=monday + timedelta(days=7))
    worked = sum(((s.end - s.start) for s in week), timedelta()) + (shift.end - shift.start)
    ceiling = Commitment.objects.filter(user=user).values_list("max_hours_per_week", flat=True).first()
    if ceiling is None:
        ceiling = Commitment._meta.get_field("max_hours_per_week").default
    if worked <= timedelta(hours=ceiling):
        return ""
    return _("Vous dépasseriez vos %(hours)s heures cette semaine-là.") % {"hours": ceiling}


def night_of(start: datetime, end: datetime):
    """The date of the night (00:00–06:00 local) a shift touches, or None: the planner's rule."""
    for moment in half_hours(start, end):
        if moment.hour in NIGHT_HOURS:
            return moment.date()
    return None


def too_many_nights(user, shift: Shift, now) -> str:
    night = night_of(shift.start, shift.end)
    if night is None:
        return ""
    limit = settings.ECOUTE_ROTA_NIGHTS_IN_A_ROW
    span = timedelta(days=limit + 1)
    around = active_shifts(user.pk).filter(start__gt=shift.start - span, start__lt=shift.end + span)
    nights = {night_of(s.start, s.end) for s in around} | {night}
    run, day = 1, night - timedelta(days=1)
    while day in nights:
        run, day = run + 1, day - timedelta(days=1)
    day = night + timedelta(days=1)
    while day in nights:
        run, day = run + 1, day + timedelta(days=1)
    if run <= limit:
        return ""
    return _("Ce serait plus de %(nights)s nuits de garde d'affilée.") % {"nights": limit}


def recovering(user, shift: Shift, now) -> str:
    span = intensity.recovery(user.pk, now)
    if span is None or not span[0] <= shift.start < span[1]:
        return ""
    return _(
        "Après %(count)s gardes intenses d'affilée, vous récupérez jusqu'au %(until)s : cette garde est trop tôt."
    ) % {"count": settings.ECOUTE_ROTA_INTENSE_IN_A_ROW, "until": when(span[1])}


def english_lost(user, shift: Shift, now) -> str:
    """The giver was the only English-speaking listener on duty in a half-hour that needs one."""
    if shift.supervising or speaks_english(user) or not speaks_english(shift.user):
        return ""
    windows = english_windows()
    others = (
        active_shifts_around(shift)
        .exclude(pk=shift.pk)
        .filter(supervising=False, user__listener_profile__languages__code=ENGLISH)
    )
    for moment in half_hours(shift.start, shift.end):
        if needs_english(moment, windows) and not others.filter(start__lte=moment, end__gt=moment).exists():
            return _(
                "Il faut une personne parlant anglais sur cette garde : vous n'en indiquez pas dans votre profil."
            )
    return ""


def eligible_colleagues(shift: Shift) -> list:
    profiles = ListenerProfile.objects.filter(
        active=True, user__is_active=True, user__role__in=LISTENING_ROLES
    ).select_related("user")
    now = timezone.now()
    return [
        p.user for p in profiles if p.user_id != shift.user_id and not reasons_against(p.user, shift, now)
    ]


# --- The minimum: what the line needs, before and after the handover ----------------------------------


def missing_by_half_hour(shift: Shift, replacement: Shift | None) -> dict[float, tuple[int, int, int]]:
    """Per half-hour of SHIFT (by its instant): listeners, supervisors and English speakers missing
    against what the line needs, the rota as it is (REPLACEMENT None) or with SHIFT replaced."""
    on_duty = defaultdict(lambda: [0, 0, 0])  # listeners, supervisors, English listeners
    present = active_shifts_around(shift).exclude(pk=shift.pk).select_related("user__listener_profile")
    for other in [*present, replacement or shift]:
        english = speaks_english(other.user)
        for moment in half_hours(max(other.start, shift.start), min(other.end, shift.end)):
            counts = on_duty[moment.timestamp()]
            counts[1 if other.supervising else 0] += 1
            counts[2] += 1 if english and not other.supervising else 0
    first = timezone.localtime(shift.start).date()
    missing = {}
    for need in needs(first, (timezone.localtime(shift.end).date() - first).days + 1):
        key = need.start.timestamp()
        if shift.start <= need.start < shift.end:
            listeners, supervisors, english = on_duty[key]
            missing[key] = (
                max(need.listeners - listeners, 0),
                max(need.supervisors - supervisors, 0),
                int(need.english and not english),
            )
    return missing


def active_shifts_around(shift: Shift):
    return Shift.objects.exclude(status=ShiftStatus.CANCELLED).filter(
        start__lt=shift.end, end__gt=shift.start
    )


def shortfall(shift: Shift, taker) -> list[datetime]:
    """The half-hours the handover to TAKER would leave further under what the line needs: one more
    listener, supervisor or English speaker missing (a supervisor more cannot make up for one less)."""
    before = missing_by_half_hour(shift, None)
    after = missing_by_half_hour(shift, replacement_for(shift, taker))
    worse = [key for key in sorted(after) if any(a > b for a, b in zip(after[key], before[key], strict=True))]
    return [timezone.localtime(datetime.fromtimestamp(key, tz=UTC)) for key in worse]


def replacement_for(shift: Shift, taker) -> Shift:
    """The taker's shift: the same times, supervising only if the taker supervises."""
    return Shift(
        user=taker,
        start=shift.start,
        end=shift.end,
        status=ShiftStatus.CONFIRMED,
        supervising=shift.supervising and supervises(taker),
    )


# --- The actions -----------------------------------------------------------------------------------------


@transaction.atomic
def offer(shift_pk: int, giver) -> ShiftOffer:
    """GIVER offers their shift; each eligible colleague is told by e-mail (the outbox)."""
    shift = Shift.objects.select_for_update().filter(pk=shift_pk, user=giver).first()
    if shift is None:
        raise SwapError(_("Cette garde n'est pas la vôtre."))
    if shift.status == ShiftStatus.CANCELLED or shift.start <= timezone.now():
        raise SwapError(_("Seule une garde à venir, non annulée, peut être proposée."))
    try:
        with transaction.atomic():
            made = ShiftOffer.objects.create(shift=shift, giver=giver)
    except IntegrityError:
        raise SwapError(_("Cette garde est déjà proposée.")) from None
    from .mail import tell_colleagues

    tell_colleagues(made, eligible_colleagues(shift))
    return made


def locked_offer(offer_pk: int) -> ShiftOffer:
    found = ShiftOffer.objects.select_for_update().filter(pk=offer_pk).first()
    if found is None:
        raise SwapError(_("Cette proposition n'existe plus."))
    return found


@transaction.atomic
def withdraw(offer_pk: int, giver) -> None:
    offered = locked_offer(offer_pk)
    if offered.giver_id != giver.pk:
        raise SwapError(_("Seule la personne qui a proposé la garde peut la retirer."))
    if offered.status != OfferStatus.OPEN:
        raise SwapError(_("Trop tard : la garde a déjà été reprise."))
    offered.status = OfferStatus.WITHDRAWN
    offered.save(update_fields=["status"])


@transaction.atomic
def take(offer_pk: int, taker) -> ShiftOffer:
    """TAKER takes the offer: the shift is theirs, or waits for a supervisor if the line would be short."""
    offered = locked_offer(offer_pk)
    if offered.status != OfferStatus.OPEN:
        raise SwapError(_("Cette garde a déjà été reprise par un collègue, ou retirée."))
    shift = Shift.objects.select_for_update().get(pk=offered.shift_id)
    if shift.status == ShiftStatus.CANCELLED or shift.start <= timezone.now():
        raise SwapError(_("Cette garde a été annulée ou a déjà commencé."))
    Commitment.objects.get_or_create(user=taker)
    Commitment.objects.select_for_update().get(user=taker)  # one taking at a time for one person
    reasons = reasons_against(taker, shift)
    if reasons:
        raise SwapError(_("Vous ne pouvez pas reprendre cette garde : %(reason)s") % {"reason": reasons[0]})
    offered.taker, offered.taken_at = taker, timezone.now()
    if shortfall(shift, taker):
        offered.status = OfferStatus.PENDING
    else:
        hand_over(shift, taker)
        offered.status = OfferStatus.TAKEN
    offered.save(update_fields=["taker", "taken_at", "status"])
    from .mail import ask_supervisors, tell_giver_taken

    if offered.status == OfferStatus.PENDING:
        ask_supervisors(offered)
    else:
        tell_giver_taken(offered)
    return offered


def hand_over(shift: Shift, taker) -> Shift:
    Shift.objects.filter(pk=shift.pk).update(status=ShiftStatus.CANCELLED)
    replacement = replacement_for(shift, taker)
    replacement.save()
    return replacement


@transaction.atomic
def decide(offer_pk: int, supervisor, approve: bool) -> ShiftOffer:
    """A supervisor approves or refuses a handover waiting for them; approved, the taker's rules are
    checked again (time has passed since they took it)."""
    offered = locked_offer(offer_pk)
    if offered.status != OfferStatus.PENDING:
        raise SwapError(_("Cet échange n'attend plus de décision."))
    shift = Shift.objects.select_for_update().get(pk=offered.shift_id)
    if approve:
        reasons = reasons_against(offered.taker, shift)
        if reasons or shift.status == ShiftStatus.CANCELLED:
            raise SwapError(
                _("L'échange ne tient plus : %(reason)s")
                % {"reason": reasons[0] if reasons else _("garde annulée.")}
            )
        hand_over(shift, offered.taker)
    offered.status = OfferStatus.TAKEN if approve else OfferStatus.REFUSED
    offered.decided_by, offered.decided_at = supervisor, timezone.now()
    offered.save(update_fields=["status", "decided_by", "decided_at"])
    from .mail import tell_decision

    tell_decision(offered)
    return offered


# --- What the pages show -----------------------------------------------------------------------------------


def offers_for(user) -> list[ShiftOffer]:
    """« Gardes proposées »: colleagues' open offers USER could take."""
    now = timezone.now()
    open_offers = ShiftOffer.objects.filter(status=OfferStatus.OPEN, shift__start__gt=now).exclude(giver=user)
    return [o for o in open_offers.select_related("shift__user") if not reasons_against(user, o.shift, now)]


def my_offers(user):
    return ShiftOffer.objects.filter(giver=user, shift__end__gt=timezone.now()).select_related(
        "shift", "taker"
    )


def waiting_for_supervisor():
    return ShiftOffer.objects.filter(
        status=OfferStatus.PENDING, shift__end__gt=timezone.now()
    ).select_related("shift", "giver__listener_profile", "taker__listener_profile")
