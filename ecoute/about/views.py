"""The public pages about the line itself: how it works, the legal notice, the privacy notice."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from . import privacy as privacy_notice


@require_GET
def about(request: HttpRequest) -> HttpResponse:
    return render(request, "about/about.html")


@require_GET
def legal_notice(request: HttpRequest) -> HttpResponse:
    return render(request, "about/legal.html", {"legal": settings.ECOUTE_LEGAL})


@require_GET
def privacy(request: HttpRequest) -> HttpResponse:
    context = {
        "kept": privacy_notice.caller_data(),
        "kept_for_participants": privacy_notice.participant_data(),
        "kept_for_self_help": privacy_notice.self_help_data(),
        "legal": settings.ECOUTE_LEGAL,
        "min_cell": settings.ECOUTE_STATS_MIN_CELL,
    }
    return render(request, "about/privacy.html", context)
