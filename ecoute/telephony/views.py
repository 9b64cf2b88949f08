from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_POST

from ecoute.accounts.access import listener_required

from . import follow_up


@require_POST
@listener_required
def give_follow_up_code(request: HttpRequest, call_id) -> JsonResponse:
    """The workspace's « Donner un code de suivi »: six digits to say aloud to the phone caller."""
    try:
        code = follow_up.give(call_id, request.user.pk)
    except follow_up.FollowUpError as error:
        return JsonResponse({"error": str(error)}, status=409)
    return JsonResponse({"code": code})
