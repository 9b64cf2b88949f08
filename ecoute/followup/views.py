"""The caller's « oui » to a follow-up (public, JSON): their link back, never anything about them."""

import json

from django.http import JsonResponse
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from ecoute.abuse import limits
from ecoute.lib.source import source_of

from . import actions, push

FIELDS = {"proposal", "subscription"}
# Far above one person's follow-ups in an hour; a script behind one network is stopped here (the
# one-time proposal already stops anything but a psychologist's proposal).
AGREED_PER_SOURCE_HOUR = 20
MAX_BODY = 4096


def _bad(message: str, status: int = 400, code: str = "bad_request") -> JsonResponse:
    return JsonResponse({"error": message, "code": code}, status=status)


def _body(request) -> dict | None:
    if request.content_type != "application/json" or len(request.body) > MAX_BODY:
        return None
    try:
        body = json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None
    return body if isinstance(body, dict) and not set(body) - FIELDS else None


@csrf_exempt  # JSON only: a form of another site cannot send it without the browser asking first (CORS)
@require_POST
def agree(request):
    """{"proposal": ..., "subscription"?: the browser's PushSubscription.toJSON()} -> the link back."""
    body = _body(request)
    if body is None:
        return _bad(
            gettext("Envoyez en JSON la proposition de suivi, et l’abonnement aux rappels s’il y en a un.")
        )
    source = source_of(getattr(request, "scope", None))
    if source and limits.count(f"abuse:follow-up:{source}", 3600) > AGREED_PER_SOURCE_HOUR:
        return _bad(gettext("Trop de suivis depuis ce réseau : réessayez plus tard."), 429, "too_many")
    link_base = request.build_absolute_uri(reverse("calls:line")) + "?suivi="
    try:
        agreed = actions.agree(body.get("proposal"), body.get("subscription"), link_base)
    except push.SubscriptionError as error:
        return _bad(str(error), code="bad_subscription")
    except actions.FollowUpError as error:
        return _bad(str(error), 409 if error.code == "proposal_gone" else 400, error.code)
    return JsonResponse(agreed)
