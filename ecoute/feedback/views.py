"""The caller's one tap after a call (public, JSON), and the team's aggregate for its psychologists."""

import json

from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from ecoute.abuse import limits
from ecoute.accounts.access import RECORDING_ROLES, role_required
from ecoute.calls.models import Channel
from ecoute.followup import counting as follow_up_counting
from ecoute.lib.source import source_of

from . import counting
from .models import Helped, YesNo

FIELDS = {"ticket", "helped", "listened", "would_call_again"}
# Far above one person's calls in an hour; a script behind one network is stopped here (the ticket
# already stops anything but answered calls).
FEEDBACK_PER_SOURCE_HOUR = 30


def _bad(message: str, status: int = 400) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


@csrf_exempt  # JSON only: a form of another site cannot send it without the browser asking first (CORS)
@require_POST
def give(request):
    """{"ticket": ..., "helped": "yes"|"partly"|"no", "listened"?: "yes"|"no", "would_call_again"?: ...}"""
    if request.content_type != "application/json":
        return _bad(gettext("Envoyez le retour en JSON."))
    try:
        body = json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError):
        return _bad(gettext("Retour illisible."))
    if not isinstance(body, dict) or set(body) - FIELDS:
        return _bad(gettext("Seules les réponses aux trois questions peuvent être envoyées."))
    helped = body.get("helped")
    optional = {name: body.get(name) or "" for name in ("listened", "would_call_again")}
    if helped not in Helped.values:
        return _bad(gettext("Répondez « oui », « un peu » ou « non »."))
    if any(value not in YesNo.values for value in optional.values()):
        return _bad(gettext("Les deux autres questions se répondent par « oui » ou « non », ou pas du tout."))
    source = source_of(getattr(request, "scope", None))
    if source and limits.count(f"abuse:feedback:{source}", 3600) > FEEDBACK_PER_SOURCE_HOUR:
        return _bad(gettext("Trop de retours depuis ce réseau : réessayez plus tard."), 429)
    if not counting.spend_and_count(body.get("ticket"), Channel.APP, helped, **optional):
        return _bad(gettext("Ce retour a déjà été donné, ou l’appel est trop ancien."), 403)
    return JsonResponse({"counted": True})


@require_GET
@role_required(*RECORDING_ROLES)
def team(request):
    """What callers said of their calls, and the follow-ups agreed and kept, for the whole team over a year:
    never per call or person."""
    context = {
        "figures": counting.helped_over_the_last_year(),
        "follow_ups": follow_up_counting.planned_and_kept_over_the_last_year(),
    }
    return render(request, "feedback/team.html", context)
