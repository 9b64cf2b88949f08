from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.utils.translation import gettext
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_cookie

from ecoute.accounts.access import SUPERVISION_ROLES, listener_required, role_required
from ecoute.followup import push
from ecoute.presence.models import BoardStatus
from ecoute.presence.queries import board_entries
from ecoute.rota import intensity, swaps
from ecoute.security.headers import allow

from .queries import languages_offered
from .supervision.board import read as read_supervision_board


def _board_context() -> dict:
    return {"entries": board_entries(), "status_labels": dict(BoardStatus.choices)}


@require_GET
@allow("microphone")
def line(request: HttpRequest) -> HttpResponse:
    """The caller's app: the board of psychologists and the call itself."""
    context = {**_board_context(), "languages": languages_offered(), "vapid_public_key": push.public_key()}
    return render(request, "calls/line.html", context)


@require_GET
def board(request: HttpRequest) -> HttpResponse:
    """The board alone, fetched again by the app after a reconnection."""
    return render(request, "presence/board.html", _board_context())


@require_GET
@listener_required
@allow("microphone")
def workspace(request: HttpRequest) -> HttpResponse:
    context = {
        "profile": request.user.listener_profile,
        "wrap_up_seconds": settings.ECOUTE_WRAP_UP_SECONDS,
        "ring_timeout": settings.ECOUTE_RING_TIMEOUT,
        # Between calls, the rota's news: colleagues' shifts to take, a debrief after an emergency.
        "rota_offers": len(swaps.offers_for(request.user)),
        "debrief": intensity.debrief_offer(request.user),
    }
    return render(request, "calls/workspace.html", context)


@require_GET
@role_required(*SUPERVISION_ROLES)
def supervise(request: HttpRequest) -> HttpResponse:
    """The supervision board: the live line, today's figures, alerts until taken."""
    return render(request, "calls/supervision.html", {"board": read_supervision_board()})


@require_GET
@role_required(*SUPERVISION_ROLES)
def supervision_board(request: HttpRequest) -> HttpResponse:
    """The board alone, fetched again every few seconds and at each alert."""
    return render(request, "calls/supervision_board.html", {"board": read_supervision_board()})


@require_GET
def offline(request: HttpRequest) -> HttpResponse:
    return render(request, "calls/offline.html")


@require_GET
@cache_control(max_age=3600)
@vary_on_cookie  # its name and description follow the language chosen on the device
def manifest(request: HttpRequest) -> HttpResponse:
    context = {
        "icons": [(size, static(f"ecoute/icons/icon-{size}.png")) for size in (192, 512)],
        # Here rather than in the template: makemessages reads .html, .txt and .py files only.
        "name": gettext("Écoute — psychologues 24 h/24"),
        "description": gettext("Parler tout de suite, gratuitement et anonymement, à un psychologue."),
    }
    return render(request, "calls/manifest.webmanifest", context, content_type="application/manifest+json")


@require_GET
@cache_control(no_cache=True)
def service_worker(request: HttpRequest) -> HttpResponse:
    """Served from the root so that it may cache the whole app shell."""
    shell = [
        "/",
        "/hors-ligne/",
        static("ecoute/ecoute.css"),
        static("ecoute/socket.js"),
        static("ecoute/peer.js"),
        static("ecoute/call_ui.js"),
        static("calls/line.js"),
        static("presence/board.js"),
        static("feedback/after_call.js"),
        static("followup/follow_up.js"),
        static("ecoute/icons/icon-192.png"),
    ]
    response = render(request, "calls/sw.js", {"shell": shell}, content_type="text/javascript")
    response["Service-Worker-Allowed"] = "/"
    return response
