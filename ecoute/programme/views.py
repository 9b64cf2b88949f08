"""The programme's public pages: the agenda, an event and its registration form, the manage link, the feeds."""

import asyncio

from asgiref.sync import sync_to_async
from django.conf import settings
from django.http import Http404, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import get_language, gettext
from django.views.decorators.http import require_GET, require_http_methods

from ecoute.abuse.limits import count
from ecoute.lib.source import source_of

from . import actions, calendar, links
from .forms import AgendaFilters, RegistrationForm, upcoming
from .models import Event, Kind, Registration, State

REGISTRATION_WINDOW = 600


@require_GET
def agenda(request):
    events = upcoming()
    filters = AgendaFilters(request.GET or None, events=list(events))
    if filters.is_bound and filters.is_valid():
        events = filters.apply(events)
    return render(
        request,
        "programme/agenda.html",
        {"filters": filters, "events": events, "feed_query": request.GET.urlencode()},
    )


@require_GET
def feed(request):
    """The agenda as an iCalendar subscription, optionally for one kind and/or one region."""
    events = upcoming()
    kind, region = request.GET.get("kind", ""), request.GET.get("region", "")
    if kind and kind not in Kind.values:
        return HttpResponse(
            gettext("Type d'événement inconnu."), status=400, content_type="text/plain; charset=utf-8"
        )
    if kind:
        events = events.filter(kind=kind)
    if region:
        events = events.filter(region=region)
    name = " — ".join(part for part in ("Écoute", str(Kind(kind).label) if kind else "", region) if part)
    response = HttpResponse(calendar.feed(events, name), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="agenda.ics"'
    return response


def _visible_event(pk):
    event = get_object_or_404(Event, pk=pk)
    if not event.published and not event.is_cancelled:
        raise Http404
    return event


def over_registration_limit(request) -> bool:
    """One more registration from this source (its daily keyed hash, cache only): over the limit?"""
    source = source_of(getattr(request, "scope", None))
    if not source:
        return False
    return (
        count(f"abuse:programme-registrations:{source}", REGISTRATION_WINDOW)
        > settings.ECOUTE_PROGRAMME_REGISTRATIONS_PER_SOURCE
    )


# Registrations a process works on at once. A burst (a popular eJADES announced by e-mail) otherwise
# opens one PostgreSQL connection per waiting request, past the server's limit: every post then
# failed with "too many clients" (bench/programme_registrations.py). Those beyond wait here, in memory.
_registering = None


def _gate() -> asyncio.Semaphore:
    global _registering
    if _registering is None:
        _registering = asyncio.Semaphore(settings.ECOUTE_PROGRAMME_CONCURRENT_REGISTRATIONS)
    return _registering


async def event_page(request, pk):
    if request.method not in ("GET", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    async with _gate():
        return await sync_to_async(_event_page, thread_sensitive=True)(request, pk)


def _event_page(request, pk):
    event = _visible_event(pk)
    form = RegistrationForm(request.POST or None, event=event)
    problem = None
    status = 200
    if request.method == "POST":
        if over_registration_limit(request):
            problem, status = (
                gettext(
                    "Trop d'inscriptions envoyées d'ici en peu de temps : réessayez dans quelques minutes."
                ),
                429,
            )
        elif form.is_valid():
            try:
                registration = actions.register(
                    event.pk, language=get_language(), **form.registration_fields()
                )
            except actions.RegistrationError as error:
                problem, status = str(error), 409
            else:
                return redirect("programme:manage", links.manage_token(registration))
        else:
            status = 400
    return render(
        request,
        "programme/event.html",
        {
            "event": event,
            "form": form,
            "problem": problem,
            "places_left": actions.places_left(event),
            "open": _is_open(event),
            "slots": event.slots.prefetch_related("workshops"),
        },
        status=status,
    )


def _is_open(event) -> bool:
    try:
        actions.check_open(event)
    except actions.EventClosed:
        return False
    return True


@require_http_methods(["GET", "POST"])
def manage(request, token):
    """The one-click link of the e-mails: see one's registration, confirm, take an offered place, cancel."""
    try:
        registration = links.registration_for(token)
    except links.BadLink:
        return render(request, "programme/bad_link.html", status=404)
    problem = None
    if request.method == "POST":
        step = {"confirm": actions.confirm, "cancel": actions.cancel}.get(request.POST.get("action"))
        if step is None:
            problem = gettext("Action inconnue.")
        else:
            try:
                step(registration.pk)
            except actions.RegistrationError as error:
                problem = str(error)
            else:
                return redirect("programme:manage", token)
        registration.refresh_from_db()
    return render(
        request,
        "programme/manage.html",
        {"registration": registration, "event": registration.event, "problem": problem, "State": State},
        status=409 if problem else 200,
    )


@require_GET
def verify(request):
    """Anyone holding a certificate's code can check that it is genuine."""
    code = request.GET.get("code", "").strip().upper().replace(" ", "")
    registration = None
    if code:
        registration = (
            Registration.objects.select_related("event")
            .filter(certificate_code=code, state=State.ATTENDED)
            .first()
        )
    return render(
        request,
        "programme/verify.html",
        {"code": code, "registration": registration, "today": timezone.localdate()},
        status=404 if code and registration is None else 200,
    )
