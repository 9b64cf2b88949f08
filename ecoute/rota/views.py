"""The rota's pages: each psychologist's availability, the supervisors' coverage and planning."""

from urllib.parse import urlencode

from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ecoute.accounts.access import ROTA_ROLES, listener_required, role_required

from . import calendar, coverage, intensity, planning, swaps
from .forms import AdjustmentForm, CommitmentForm, ExceptionForm, WeeklyForm
from .models import (
    LIVE_OFFERS,
    Adjustment,
    AvailabilityException,
    Commitment,
    OfferStatus,
    Shift,
    ShiftOffer,
    ShiftStatus,
    WeeklyAvailability,
    new_feed_key,
)

FORMS = {"weekly": WeeklyForm, "exception": ExceptionForm}


@listener_required
def availability(request):
    """The psychologist's own week, exceptions and ceiling; each form saves alone, or shows its errors."""
    commitment, _created = Commitment.objects.get_or_create(user=request.user)
    bound = {}
    if request.method == "POST":
        kind = request.POST.get("form", "")
        if kind == "commitment":
            form = CommitmentForm(request.POST, instance=commitment, auto_id="commitment-%s")
        elif kind in FORMS:
            form = FORMS[kind](request.POST, user=request.user, auto_id=f"{kind}-%s")
        else:
            return render(request, "rota/bad_request.html", status=400)
        if form.is_valid():
            saved = form.save(commit=False)
            if kind != "commitment":
                saved.user = request.user
            saved.save()
            messages.success(request, _("Enregistré."))
            return redirect("rota:availability")
        bound[kind] = form
    context = {
        "weekly_form": bound.get("weekly") or WeeklyForm(user=request.user, auto_id="weekly-%s"),
        "exception_form": bound.get("exception") or ExceptionForm(user=request.user, auto_id="exception-%s"),
        "commitment_form": bound.get("commitment")
        or CommitmentForm(instance=commitment, auto_id="commitment-%s"),
        "weekly": WeeklyAvailability.objects.filter(user=request.user),
        "exceptions": AvailabilityException.objects.filter(user=request.user),
        "shifts": planning.upcoming_shifts(request.user),
        "offered": set(
            ShiftOffer.objects.filter(giver=request.user, status__in=LIVE_OFFERS).values_list(
                "shift_id", flat=True
            )
        ),
        "my_offers": swaps.my_offers(request.user),
        "offers": swaps.offers_for(request.user),
        "debrief": intensity.debrief_offer(request.user),
        "feed_url": request.build_absolute_uri(reverse("rota:feed", args=[commitment.feed_key])),
    }
    return render(request, "rota/availability.html", context, status=400 if bound else 200)


@require_POST
@listener_required
def forget_weekly(request, pk: int):
    get_object_or_404(WeeklyAvailability, pk=pk, user=request.user).delete()
    return redirect("rota:availability")


@require_POST
@listener_required
def forget_exception(request, pk: int):
    get_object_or_404(AvailabilityException, pk=pk, user=request.user).delete()
    return redirect("rota:availability")


@role_required(*ROTA_ROLES)
def week(request):
    """A week by half-hour: needed, planned and online, the button that plans it, the known events."""
    first_day = coverage.week_asked(request.GET.get("semaine", ""))
    if first_day is None:
        return render(request, "rota/bad_request.html", status=400)
    result, event_form, status = None, AdjustmentForm(auto_id="event-%s"), 200
    if request.method == "POST" and request.POST.get("form") == "event":
        event_form = AdjustmentForm(request.POST, auto_id="event-%s")
        if event_form.is_valid():
            event_form.save()
            return redirect(f"{reverse('rota:week')}?semaine={first_day.isoformat()}#events-title")
        status = 400
    elif request.method == "POST":
        with transaction.atomic():
            result = planning.plan_week(first_day)
    context = coverage.week_view(first_day, result)
    context["handovers"] = [
        (offer, swaps.shortfall(offer.shift, offer.taker)) for offer in swaps.waiting_for_supervisor()
    ]
    context.update(event_form=event_form, events=Adjustment.objects.filter(last_day__gte=first_day))
    return render(request, "rota/week.html", context, status=status)


@require_POST
@role_required(*ROTA_ROLES)
def forget_event(request, pk: int):
    get_object_or_404(Adjustment, pk=pk).delete()
    week = urlencode({"semaine": request.GET.get("semaine", "")})
    return redirect(f"{reverse('rota:week')}?{week}#events-title")


@require_POST
@listener_required
def new_feed_link(request):
    """A new secret address for the calendar feed: the old link stops working at once."""
    Commitment.objects.filter(user=request.user).update(feed_key=new_feed_key())
    messages.success(request, _("Nouveau lien créé : l'ancien ne fonctionne plus."))
    return redirect("rota:availability")


def feed(request, key: str):
    """The psychologist's shifts for their calendar app; the key in the address is the only proof."""
    commitment = Commitment.objects.filter(feed_key=key, user__is_active=True).select_related("user").first()
    if commitment is None:
        raise Http404
    response = HttpResponse(calendar.feed(commitment.user), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="gardes.ics"'
    response["Cache-Control"] = "private, no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response


# What a supervisor may do to one shift from the week's page.
SHIFT_ACTIONS = {
    "confirm": ShiftStatus.CONFIRMED,
    "cancel": ShiftStatus.CANCELLED,
    "plan": ShiftStatus.PLANNED,
}


@require_POST
@role_required(*ROTA_ROLES)
def edit_shift(request, pk: int):
    """Confirm a shift (planning again keeps it), cancel it, or give it back to the planner."""
    shift = get_object_or_404(Shift, pk=pk)
    status = SHIFT_ACTIONS.get(request.POST.get("action", ""))
    if status is None:
        return render(request, "rota/bad_request.html", status=400)
    shift.status = status
    shift.save(update_fields=["status"])
    week = timezone.localtime(shift.start).date()
    return redirect(f"{reverse('rota:week')}?semaine={week.isoformat()}#shifts-title")


def swap_view(action, told):
    """A listener's POST running a swap ACTION (pk, user) and saying what came of it (TOLD: its result
    → the words), or why it was refused (taken already, a rule broken), at the top of the page."""

    @require_POST
    @listener_required
    def view(request, pk: int):
        try:
            done = action(pk, request.user)
        except swaps.SwapError as refusal:
            messages.error(request, str(refusal))
        else:
            messages.success(request, told(done))
        return redirect("rota:availability")

    return view


def told_taken(taken) -> str:
    if taken.status == OfferStatus.PENDING:
        return _(
            "Demande enregistrée : un cadre doit valider cet échange, qui laisserait le planning en dessous du minimum."
        )
    return _("La garde est à vous : elle est dans vos prochaines gardes et votre agenda.")


# Offer one's own shift to the colleagues who could take it; withdraw it; take a colleague's.
offer_shift = swap_view(
    swaps.offer, lambda _offer: _("Garde proposée : les collègues disponibles sont prévenus.")
)
withdraw_offer = swap_view(swaps.withdraw, lambda _none: _("Proposition retirée : la garde reste la vôtre."))
take_offer = swap_view(swaps.take, told_taken)


@require_POST
@role_required(*ROTA_ROLES)
def decide_handover(request, pk: int):
    """A supervisor approves or refuses a handover that would leave the line short."""
    action = request.POST.get("action", "")
    if action not in ("approve", "refuse"):
        return render(request, "rota/bad_request.html", status=400)
    try:
        offer = swaps.decide(pk, request.user, approve=action == "approve")
    except swaps.SwapError as refusal:
        messages.error(request, str(refusal))
        return redirect("rota:week")
    messages.success(
        request,
        _("Échange validé.") if action == "approve" else _("Échange refusé : la garde reste à qui l'avait."),
    )
    week = timezone.localtime(offer.shift.start).date()
    return redirect(f"{reverse('rota:week')}?semaine={week.isoformat()}")
