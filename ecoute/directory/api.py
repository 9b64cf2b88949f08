"""Read-only JSON API of the directory: search, one entry, outlines, and the HSDS 3.0 and FHIR R4 exports.

Plain Django views: the directory is public, read-only and cacheable; errors are JSON with a 400.
"""

import json

from django.core.paginator import EmptyPage, Paginator
from django.db.models import prefetch_related_objects
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from .exports import fhir_bundle, hsds_page
from .models import Departement, Entry, Network
from .search import DETAILS, with_details
from .serializers import entry_json
from .views import run_search

MAX_PER_PAGE = 500
JSON_OPTIONS = {"ensure_ascii": False}


def _json(data, status: int = 200, content_type: str = "application/json") -> JsonResponse:
    return JsonResponse(
        data, status=status, json_dumps_params=JSON_OPTIONS, content_type=content_type, safe=False
    )


def _error(message: str, field: str = "__all__") -> JsonResponse:
    return _json({"errors": {field: [{"message": message, "code": "invalid"}]}}, status=400)


@require_GET
def entries(request: HttpRequest) -> JsonResponse:
    """Search: the same parameters as the public page (q or lat/lon, radius, kind, profession, theme…)."""
    form, results = run_search(request, require_place=True)
    if results is None:
        if not form.is_bound:
            return _error(
                gettext("Indiquez un lieu : q (code postal, commune, département, région) ou lat et lon."),
                "q",
            )
        return _json({"errors": form.errors.get_json_data(), "suggestions": form.suggestions}, status=400)
    place = results.criteria.place
    # The page's cards need no themes or networks; the JSON shows them.
    prefetch_related_objects([hit.entry for hit in results.hits] + results.nationwide, *DETAILS)
    return _json(
        {
            "place": {
                "label": place.label,
                "how": place.how,
                "latitude": place.latitude,
                "longitude": place.longitude,
            },
            "radius_km": None if place.is_area else results.criteria.radius_km,
            "total": results.total,
            "results": [entry_json(hit.entry, hit.distance_km) for hit in results.hits],
            "nationwide": [entry_json(entry) for entry in results.nationwide],
        }
    )


@require_GET
def entry(request: HttpRequest, pk: int) -> JsonResponse:
    found = get_object_or_404(with_details(Entry.objects.published()), pk=pk)
    return _json(entry_json(found))


@require_GET
@cache_control(max_age=86400, public=True)
def outlines(request: HttpRequest) -> HttpResponse:
    """France's départements as GeoJSON: what the map draws when no tile server answers."""
    rows = Departement.objects.exclude(outline="").values_list("code", "name", "outline")
    features = ",".join(
        f'{{"type":"Feature","properties":{json.dumps({"code": code, "name": name}, ensure_ascii=False)},"geometry":{outline}}}'
        for code, name, outline in rows
    )
    return HttpResponse(
        f'{{"type":"FeatureCollection","features":[{features}]}}', content_type="application/geo+json"
    )


def _page(request: HttpRequest, default_per_page: int):
    """(page object, paginator) of every published entry, or a JsonResponse error for bad parameters."""
    try:
        number = int(request.GET.get("page", "1"))
        per_page = int(request.GET.get("per_page", str(default_per_page)))
    except ValueError:
        return None, _error(gettext("« page » et « per_page » sont des nombres entiers."))
    if not 1 <= per_page <= MAX_PER_PAGE:
        return None, _error(gettext("« per_page » va de 1 à %(most)s.") % {"most": MAX_PER_PAGE}, "per_page")
    paginator = Paginator(with_details(Entry.objects.published()).order_by("pk"), per_page)
    try:
        return paginator.page(number), None
    except EmptyPage:
        return None, _error(
            gettext("La page %(number)s n’existe pas (il y en a %(pages)s).")
            % {"number": number, "pages": paginator.num_pages},
            "page",
        )


@require_GET
def hsds_services(request: HttpRequest) -> JsonResponse:
    """Open Referral HSDS 3.0: GET /services, paginated."""
    page, error = _page(request, 100)
    if error:
        return error
    return _json(
        hsds_page(list(page.object_list), page.number, page.paginator.per_page, page.paginator.count)
    )


@require_GET
def fhir(request: HttpRequest) -> JsonResponse:
    """FHIR R4 searchset Bundle of the whole directory, paginated with a `next` link."""
    page, error = _page(request, 100)
    if error:
        return error
    base = request.build_absolute_uri(reverse("directory_api:fhir"))
    self_url = f"{base}?page={page.number}&per_page={page.paginator.per_page}"
    next_url = f"{base}?page={page.number + 1}&per_page={page.paginator.per_page}" if page.has_next() else ""
    # The partner networks, referenced by every page's resources, open each page.
    bundle = fhir_bundle(
        page.object_list, Network.objects.all(), base, page.paginator.count, self_url, next_url
    )
    return _json(bundle, content_type="application/fhir+json")
