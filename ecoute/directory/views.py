"""Public pages of the directory, the psychologists' side panel, and sending a card to the caller."""

import uuid

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_POST

from ecoute.accounts.access import listener_required
from ecoute.calls.models import Call
from ecoute.contacts import actions as contacts
from ecoute.security.headers import allow

from . import search as directory_search
from .actions import ReferralError, note_referral, send_referral_card
from .forms import SearchForm
from .models import Entry
from .serializers import marker_json

# Query-string names that make a search; any one present means the visitor asked for something.
SEARCH_PARAMETERS = set(SearchForm.base_fields)


def run_search(
    request: HttpRequest, require_place: bool = False
) -> tuple[SearchForm, directory_search.Results | None]:
    """Validate the query string and search; (form, None) when it is invalid or empty."""
    asked = any(name in request.GET for name in SEARCH_PARAMETERS)
    form = SearchForm(request.GET if asked else None, require_place=require_place)
    if not asked or not form.is_valid():
        return form, None
    return form, directory_search.search(form.criteria())


def _page_context(form, results) -> dict:
    place = results.criteria.place if results else None
    return {
        "form": form,
        "results": results,
        "place": place,
        "homonyms": directory_search.homonyms(place) if place else [],
        "wider": _wider_radius(results),
        "map_config": map_config(),
    }


def _wider_radius(results) -> int | None:
    """When a point search finds little, the next radius up, to offer in one tap."""
    if not results or not results.criteria.place or results.criteria.place.is_area or results.total >= 5:
        return None
    return next((radius for radius in directory_search.RADII_KM if radius > results.criteria.radius_km), None)


def map_config() -> dict:
    """The tile server of the directory's map (none: France's outlines only); the programme's event pages use it too."""
    return {"tiles": settings.ECOUTE_MAP_TILE_URL, "attribution": settings.ECOUTE_MAP_TILE_ATTRIBUTION}


@require_GET
@allow("geolocation")  # « Autour de moi »
def search_page(request: HttpRequest) -> HttpResponse:
    """Find a referral professional, a unit or a service near a place; results sorted by distance."""
    form, results = run_search(request)
    return render(
        request, "directory/search.html", _page_context(form, results), status=400 if form.errors else 200
    )


@require_GET
@allow("geolocation")  # « Autour de moi »
def map_page(request: HttpRequest) -> HttpResponse:
    """The same search on a map, with the dedicated units always shown."""
    form, results = run_search(request)
    return render(
        request, "directory/map.html", _page_context(form, results), status=400 if form.errors else 200
    )


@require_GET
def entry_page(request: HttpRequest, pk: int) -> HttpResponse:
    entry = get_object_or_404(
        Entry.objects.published().select_related("profession", "commune__departement"), pk=pk
    )
    return render(request, "directory/entry.html", {"entry": entry, "map_config": map_config()})


@require_GET
def map_data(request: HttpRequest) -> JsonResponse:
    """GeoJSON markers: the search's results (when a search was made) and every dedicated unit and day hospital."""
    form, results = run_search(request)
    if form.errors:
        return JsonResponse({"errors": form.errors.get_json_data()}, status=400)
    features, seen = [], set()
    for hit in results.hits if results else []:
        features.append(marker_json(hit.entry, hit.distance_km))
        seen.add(hit.entry.pk)
    features += [marker_json(entry) for entry in directory_search.units_for_map() if entry.pk not in seen]
    place = results.criteria.place if results else None
    centre = (
        {"latitude": place.latitude, "longitude": place.longitude, "label": place.label} if place else None
    )
    return JsonResponse({"type": "FeatureCollection", "features": features, "centre": centre})


# --- The psychologist's side panel ------------------------------------------------------------------


@require_GET
@listener_required
def panel_results(request: HttpRequest) -> HttpResponse:
    """Results for the workspace's side panel: an HTML fragment, fetched without leaving the call."""
    form, results = run_search(request, require_place=True)
    context = {
        **_page_context(form, results),
        "in_call": Call.objects.in_progress_with(request.user.pk).exists(),
    }
    return render(
        request, "directory/includes/panel_results.html", context, status=400 if form.errors else 200
    )


@require_POST
@listener_required
def send_card(request: HttpRequest) -> JsonResponse:
    """Send one entry's card to the caller of the psychologist's current app call."""
    try:
        entry_id = int(request.POST.get("entry_id", ""))
        call_id = uuid.UUID(request.POST["call_id"]) if request.POST.get("call_id") else None
    except ValueError:
        return JsonResponse(
            {
                "error": gettext(
                    "Requête invalide : « entry_id » doit être un nombre, « call_id » un identifiant d’appel."
                )
            },
            status=400,
        )
    if call_id is None:
        call = Call.objects.in_progress_with(request.user.pk).first()
        if call is None:
            return JsonResponse(
                {
                    "error": gettext(
                        "Aucun appel en cours : la fiche s’envoie pendant un appel par l’application."
                    )
                },
                status=409,
            )
        call_id = call.pk
    try:
        card = send_referral_card(call_id, request.user.pk, entry_id)
    except ReferralError as error:
        return JsonResponse({"error": str(error)}, status=409)
    return JsonResponse({"sent": True, "card": card})


@require_POST
@listener_required
def note_orientation(request: HttpRequest) -> JsonResponse:
    """« Noter l'orientation »: the entry is kept server-side for the record of the psychologist's call."""
    try:
        entry_id = int(request.POST.get("entry_id", ""))
    except ValueError:
        return JsonResponse(
            {"error": gettext("Requête invalide : « entry_id » doit être un nombre.")}, status=400
        )
    try:
        referral = note_referral(request.user.pk, entry_id)
    except ReferralError as error:
        return JsonResponse({"error": str(error)}, status=409)
    # What the record's form ticks if it is already open (during the wrap-up); otherwise it starts from it.
    orientations = contacts.orientation_ids([referral.entry])
    return JsonResponse(
        {
            "noted": True,
            "call_id": str(referral.call_id),
            "entry_id": entry_id,
            "orientation_ids": orientations,
        }
    )
