"""Public pages of the resources: the sheets by theme, a sheet, the search."""

from django.conf import settings
from django.shortcuts import get_object_or_404, render
from django.utils.translation import get_language
from django.views.decorators.cache import cache_page
from django.views.decorators.http import require_GET

from .help import help_now
from .models import Sheet, Theme
from .search import MAX_QUERY, search_sheets

AVAILABLE_NOW_CACHE_SECONDS = 5


def _reading_language() -> str:
    return (get_language() or "fr")[:2]


@require_GET
def resources(request):
    """The sheets of the reader's language by theme (the French ones when none is translated yet), and the search."""
    language = _reading_language()
    sheets = Sheet.objects.published().filter(language=language)
    if not sheets.exists():
        language, sheets = "fr", Sheet.objects.published().filter(language="fr")
    query = request.GET.get("q", "")
    error = ""
    if len(query) > MAX_QUERY:
        error, query = "too_long", ""
    themes = []
    for value, label in Theme.choices:
        in_theme = [sheet for sheet in sheets if sheet.theme == value]
        if in_theme:
            themes.append({"value": value, "label": label, "sheets": in_theme})
    context = {
        "themes": themes,
        "sheets_language": language,
        "query": query,
        "query_error": error,
        "found": list(search_sheets(query, language)) if query.strip() else None,
        "sleep_questionnaire_url": settings.ECOUTE_SLEEP_QUESTIONNAIRE_URL,
        **help_now(),
    }
    return render(request, "selfhelp/resources.html", context)


@require_GET
def sheet(request, slug):
    found = get_object_or_404(Sheet.objects.published(), slug=slug)
    return render(request, "selfhelp/sheet.html", {"sheet": found, **help_now()})


@require_GET
@cache_page(AVAILABLE_NOW_CACHE_SECONDS)
def available_now(request):
    """The help block's sentence on who is available now, asked again by the open pages (help_now.js).

    Cached a few seconds for everyone (it names no caller, only first names the board shows): a
    thousand readers cost the database one query per few seconds."""
    return render(request, "selfhelp/includes/available_now.html", help_now(), content_type="text/plain")
