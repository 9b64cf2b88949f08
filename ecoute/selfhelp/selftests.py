"""Self-tests: the pages (scored in the browser) and the one thing that may reach the server, an
anonymous count the person chose to give."""

import json

from django.conf import settings
from django.db.models import Sum
from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import get_language, gettext
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from ecoute.abuse import limits
from ecoute.accounts.access import STATISTICS_ROLES, role_required
from ecoute.contacts.models import Profession
from ecoute.lib.counts import add_one
from ecoute.lib.source import source_of
from ecoute.stats.suppression import min_cell, suppress

from .help import help_now
from .instruments import INSTRUMENTS, for_browser
from .models import SelfTestCount

# Contributions a source may make in an hour (colleagues behind one hospital address included).
CONTRIBUTIONS_PER_SOURCE_HOUR = 20


def _language() -> str:
    return (get_language() or "fr")[:2]


def _instrument(code):
    try:
        return INSTRUMENTS[code]
    except KeyError:
        raise Http404 from None


@require_GET
def selftests(request):
    language = _language()
    tests = [
        {"code": i.code, "name": i.name.get(language, i.name["fr"]), "count": len(i.items)}
        for i in INSTRUMENTS.values()
    ]
    return render(
        request,
        "selfhelp/selftests.html",
        {"tests": tests, "sleep_questionnaire_url": settings.ECOUTE_SLEEP_QUESTIONNAIRE_URL, **help_now()},
    )


@require_GET
def selftest(request, code):
    instrument = _instrument(code)
    language = _language()
    context = {
        "instrument": instrument,
        "name": instrument.name.get(language, instrument.name["fr"]),
        "question": instrument.question.get(language, instrument.question["fr"]),
        "data": for_browser(instrument, language),
        "professions": Profession.objects.filter(active=True).order_by("position", "label"),
        **help_now(),
    }
    return render(request, "selfhelp/selftest.html", context)


def _bad(message: str, status: int = 400) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


@csrf_exempt  # JSON only: a form of another site cannot send it without the browser asking first (CORS)
@require_POST
def contribute(request, code):
    """Count one anonymous result: {"band": ..., "profession": ...}; the month is the server's."""
    instrument = _instrument(code)
    if request.content_type != "application/json":
        return _bad(gettext("Envoyez la contribution en JSON."))
    try:
        body = json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError):
        return _bad(gettext("Contribution illisible."))
    if not isinstance(body, dict) or set(body) - {"band", "profession"}:
        return _bad(gettext("Seuls le niveau du résultat et la profession peuvent être envoyés."))
    band, profession = body.get("band"), body.get("profession") or ""
    if band not in {b.code for b in instrument.bands}:
        return _bad(gettext("Niveau de résultat inconnu."))
    if not isinstance(profession, str) or (
        profession and not Profession.objects.filter(code=profession, active=True).exists()
    ):
        return _bad(gettext("Profession inconnue."))
    source = source_of(getattr(request, "scope", None))
    if (
        source
        and limits.count(f"abuse:selftest-contributions:{source}", 3600) > CONTRIBUTIONS_PER_SOURCE_HOUR
    ):
        return _bad(gettext("Trop de contributions depuis ce réseau : réessayez plus tard."), 429)
    count_one(instrument.code, band, profession)
    return JsonResponse({"counted": True})


def count_one(instrument: str, band: str, profession: str) -> None:
    month = timezone.localdate().replace(day=1)
    add_one(SelfTestCount, instrument=instrument, band=band, profession=profession, month=month)


@require_GET
@role_required(*STATISTICS_ROLES)
def figures(request):
    """The anonymous contributions, per instrument and band, with the statistics' small-cell rule."""
    k = min_cell()
    tables = []
    for instrument in INSTRUMENTS.values():
        counted = dict(
            SelfTestCount.objects.filter(instrument=instrument.code)
            .values_list("band")
            .annotate(total=Sum("count"))
            .values_list("band", "total")
        )
        cells = {band.code: counted.get(band.code, 0) for band in instrument.bands}
        shown = suppress(cells, k)
        rows = [
            {"label": band.label.get(_language(), band.label["fr"]), "count": shown.value(band.code)}
            for band in instrument.bands
        ]
        tables.append(
            {
                "name": instrument.name.get(_language(), instrument.name["fr"]),
                "rows": rows,
                "hidden_total": shown.hidden_total,
            }
        )
    return render(request, "selfhelp/selftest_figures.html", {"tables": tables, "k": k})
