"""The programme's public pages: the agenda, an event and its registration form, the manage link, the feeds."""

import asyncio
import threading
import time
import weakref
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.db import close_old_connections, connections
from django.http import Http404, HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import get_language, gettext
from django.views.decorators.http import require_GET, require_http_methods

from ecoute.abuse.limits import count_each
from ecoute.directory.views import map_config
from ecoute.lib.source import source_of

from . import actions, calendar, links, sentinels, survey, video
from .forms import AgendaFilters, RegistrationForm, upcoming
from .models import Event, Kind, Moment, Registration, State
from .place import event_place

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
        {
            "filters": filters,
            "events": events,
            "feed_query": request.GET.urlencode(),
            "trained_count": sentinels.trained_count(),
        },
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


def _visible_event(pk, events=Event.objects):
    event = get_object_or_404(events, pk=pk)
    if not event.published and not event.is_cancelled:
        raise Http404
    return event


# How long a process reuses what it read of an event (its row, slots and workshops) to check the
# registration forms posted to it. A popular eJADES announced by e-mail gets a thousand posts in a
# second: each read the event and its slots anew before queueing for the same batch, which reads the
# event again under its lock (actions.register_many checks there that it is still open, and the
# workshops' places), so a snapshot a second or two old decides nothing that matters.
EVENT_SNAPSHOT_SECONDS = 2.0
_snapshots: dict[int, tuple[float, Event]] = {}


def _event_for_posted_form(pk) -> Event:
    """The visible event with its slots and workshops, read at most every EVENT_SNAPSHOT_SECONDS here."""
    now = time.monotonic()
    read_at, event = _snapshots.get(pk, (0.0, None))
    if event is None or now - read_at > EVENT_SNAPSHOT_SECONDS:
        event = _visible_event(pk, Event.objects.prefetch_related("slots__workshops"))
        _snapshots[pk] = (now, event)
    return event


class TooManyFromHere(actions.RegistrationError):
    """The source (its daily keyed hash) sent more registrations than allowed in the window."""

    code = "limited"


def refuse_sources_over_the_limit(sources: list[str]) -> list[TooManyFromHere | None]:
    """Count one registration for each of SOURCES (a source may come several times), in one round trip.

    The refusal of each one over ECOUTE_PROGRAMME_REGISTRATIONS_PER_SOURCE, None for the others and
    for an unknown source. A batch counts all its sources at once: one Redis transaction per post
    was an eighth of the server's time in the burst of a popular eJADES (docs/performance.md).
    """
    known = [source for source in sources if source]
    counts = iter(count_each([f"abuse:programme-registrations:{s}" for s in known], REGISTRATION_WINDOW))
    limit = settings.ECOUTE_PROGRAMME_REGISTRATIONS_PER_SOURCE
    message = gettext("Trop d'inscriptions envoyées d'ici en peu de temps : réessayez dans quelques minutes.")
    return [TooManyFromHere(message) if source and next(counts) > limit else None for source in sources]


# The database work of the event page runs on a few threads of its own per process, each keeping
# its connection. Under ASGI a sync view gets a new thread, hence a new PostgreSQL connection (a
# server process forked) per request: a burst of a thousand registrations (a popular eJADES announced
# by e-mail) went past PostgreSQL's limit and most failed with "too many clients"
# (bench/programme_registrations.py). Requests beyond ECOUTE_PROGRAMME_CONCURRENT_REGISTRATIONS wait here.
_pool: ThreadPoolExecutor | None = None


async def _in_pool(function, *args):
    """FUNCTION(*ARGS) on the programme's threads, in the visitor's language."""
    global _pool
    if _pool is None:
        _pool = ThreadPoolExecutor(
            settings.ECOUTE_PROGRAMME_CONCURRENT_REGISTRATIONS, thread_name_prefix="programme"
        )
    language = get_language()

    def run():
        close_old_connections()  # one closed by PostgreSQL or past its age is opened anew
        try:
            with translation.override(language):
                return function(*args)
        finally:
            close_old_connections()  # with the connection pool: given back, not held by an idle thread

    return await asyncio.get_running_loop().run_in_executor(_pool, run)


def stop_pool() -> None:
    """Close the threads and their database connections (tests, before their database is dropped)."""
    global _pool
    pool, _pool = _pool, None
    if pool is None:
        return
    together = threading.Barrier(pool._max_workers)

    def close_this_threads_connection():
        connections.close_all()
        together.wait(timeout=10)  # so that each job runs on a thread of its own

    for _ in range(pool._max_workers):
        pool.submit(close_this_threads_connection)
    pool.shutdown(wait=True)


async def event_page(request, pk):
    """An event and its registration form: read on the programme's threads; the forms posted together
    are checked and registered together, in one hop to those threads for the whole batch."""
    if request.method not in ("GET", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    if request.method == "GET":
        return await _in_pool(_shown, request, pk)
    posted = (request, get_language(), source_of(getattr(request, "scope", None)))
    outcome = await _together(check_and_register, pk, posted)
    if isinstance(outcome, Registration):
        return redirect("programme:manage", links.manage_token(outcome))
    return await _in_pool(_page, request, *outcome)


def _shown(request, pk):
    event = _visible_event(pk)
    return _page(request, event, RegistrationForm(event=event), None)


def check_and_register(pk, posted: list[tuple]) -> list:
    """Each posted (request, language, source) form of event PK checked, then the valid ones registered
    together (register_batch): a Registration, or the (event, form, refusal) to show again, or the
    exception (Http404) that post meets."""
    outcomes: list = [None] * len(posted)
    valid = []
    for index, (request, language, source) in enumerate(posted):
        try:
            with translation.override(language):
                event, form, refusal = _read_form(request, pk)
        except Http404 as error:
            outcomes[index] = error
            continue
        if refusal is not None:
            outcomes[index] = (event, form, refusal)
            continue
        application = actions.Application(language=language, **form.registration_fields())
        valid.append((index, event, form, application, source))
    registered = (
        register_batch(pk, [(application, source) for *_, application, source in valid]) if valid else []
    )
    for (index, event, form, *_), outcome in zip(valid, registered):
        if isinstance(outcome, actions.RegistrationError):
            refusal = (str(outcome), 429 if isinstance(outcome, TooManyFromHere) else 409)
            outcome = (event, form, refusal)
        outcomes[index] = outcome
    return outcomes


def _read_form(request, pk):
    """(event, form, refusal): refusal is (message, status), or None when the form may be registered."""
    event = _event_for_posted_form(pk) if request.method == "POST" else _visible_event(pk)
    form = RegistrationForm(request.POST or None, event=event)
    if request.method != "POST":
        return event, form, None
    if not form.is_valid():
        return event, form, ("", 400)
    return event, form, None


def _page(request, event, form, refusal):
    problem, status = refusal or (None, 200)
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
            "place": event_place(event),
            "map_config": map_config(),
        },
        status=status,
    )


@require_GET
def place_data(request, pk):
    """The event's place as GeoJSON for the directory's map (map.js): one marker, and the map's centre there."""
    event = _visible_event(pk)
    place = event_place(event)
    if place is None:
        raise Http404
    marker = {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [place.longitude, place.latitude]},
        "properties": {
            "kind": "event",
            "name": event.venue or event.title,
            "subtitle": event.title,
            "place": place.label,
            "url": request.build_absolute_uri(reverse("programme:event", args=[event.pk])),
            "distance_km": None,
        },
    }
    centre = {"latitude": place.latitude, "longitude": place.longitude, "label": place.label}
    return JsonResponse({"type": "FeatureCollection", "features": [marker], "centre": centre})


# Per event loop (a server process has one), per event: the applications waiting to be written and
# the lock that lets one request at a time write them.
_batches: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


async def register_together(event_id, application, source=""):
    """Register APPLICATION with everyone else of this process applying for the same event meanwhile
    (_together, register_batch). SOURCE is the daily keyed hash of where the post came from ('' unknown)."""
    return await _together(register_batch, event_id, (application, source))


async def _together(work, event_id, item):
    """WORK(event_id, items)'s outcome for ITEM, WORK run once for every item of this process meanwhile.

    While one request runs a batch on the programme's threads (for a registration: the sources
    counted in one round trip, one lock of the event, one commit), the items arriving queue up; the
    next request to take the lock runs all of them, and the others find their outcome ready. One
    person alone waits for nothing more than before. An outcome that is an Http404 is raised.
    """
    loop = asyncio.get_running_loop()
    queue, lock = _batches.setdefault(loop, {}).setdefault((work, event_id), ([], asyncio.Lock()))
    mine = loop.create_future()
    queue.append((item, mine))
    async with lock:
        if not mine.done():
            batch = queue[:]
            del queue[:]
            try:
                outcomes = await _in_pool(work, event_id, [entry for entry, _ in batch])
            except BaseException as error:  # including this request's cancellation: nobody is left waiting
                for _, future in batch:
                    if not future.done():
                        future.set_exception(
                            error
                            if isinstance(error, Exception)
                            else actions.RegistrationError(
                                gettext("L'inscription n'a pas pu être enregistrée : réessayez.")
                            )
                        )
                raise
            for (_, future), outcome in zip(batch, outcomes):
                if isinstance(outcome, Http404):
                    future.set_exception(outcome)
                else:
                    future.set_result(outcome)
    return mine.result()


def register_batch(event_id, applied: list[tuple[actions.Application, str]]):
    """Each (application, source)'s outcome: refused when its source is over the limit, else registered."""
    refusals = refuse_sources_over_the_limit([source for _, source in applied])
    allowed = [application for (application, _), refused in zip(applied, refusals) if refused is None]
    registered = iter(actions.register_many(event_id, allowed) if allowed else [])
    return [refused or next(registered) for refused in refusals]


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
        {
            "registration": registration,
            "event": registration.event,
            "problem": problem,
            "State": State,
            # At the door of an on-site event, staff scan it to record the arrival.
            "check_in_qr": links.check_in_qr(registration)
            if registration.state in (State.REGISTERED, State.CONFIRMED) and not registration.event.online
            else "",
        },
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


@require_http_methods(["GET", "POST"])
def survey_page(request, token):
    """A questionnaire of a training, opened by the one-click link of its e-mail; answered once."""
    try:
        registration, moment = survey.registration_for(token)
    except links.BadLink:
        return render(request, "programme/bad_link.html", status=404)
    form = survey.SurveyForm(request.POST or None, questions=survey.questions_for(moment))
    status, problem, done = 200, "", registration.survey_responses.filter(moment=moment).exists()
    if request.method == "POST" and not done:
        if form.is_valid():
            try:
                survey.record(registration, moment, form)
            except survey.AlreadyAnswered:
                pass  # a second tab or a double click: the first answers stand
            done = True
        else:
            status, problem = 400, survey.error_message()
    elif request.method == "POST":
        status = 409  # answered already: nothing is changed
    return render(
        request,
        "programme/survey.html",
        {
            "event": registration.event,
            "moment": moment,
            "Moment": Moment,
            "form": form,
            "done": done,
            "problem": problem,
        },
        status=status,
    )


@require_GET
def join(request, token):
    """An online session's join link: notes that the person came, then sends them to the room.

    Before the room opens (JOIN_OPENS_BEFORE the start) or while staff have not given it yet, a page
    says when to come back and nothing is noted.
    """
    now = timezone.now()
    try:
        registration = links.registration_joining(token, now)
    except links.BadLink:
        return render(request, "programme/bad_link.html", status=404)
    event = registration.event
    opens = event.starts_at - links.JOIN_OPENS_BEFORE
    room = video.join_url(registration)
    if now < opens or not room:
        return render(
            request,
            "programme/join_wait.html",
            {"event": event, "opens": opens, "no_room": bool(now >= opens and not room)},
            status=409,
        )
    actions.record_join(registration.pk, now)
    response = redirect(room)
    response["Cache-Control"] = "no-store"  # the room's address carries the person's own token
    response["Referrer-Policy"] = "no-referrer"
    return response
