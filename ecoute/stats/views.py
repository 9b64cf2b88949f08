"""The statistics of the line: the staff dashboard and its exports, and the public page."""

from datetime import date

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from ecoute.accounts.access import STATISTICS_ROLES, role_required
from ecoute.feedback.models import Helped
from ecoute.followup.models import Outcome
from ecoute.security import journal
from ecoute.security.models import SecurityEventKind

from . import charts, exports, figures
from .figures import Period, PeriodError
from .suppression import grid_months

# The dashboard's column titles: short, the section's text says what each counts.
FOLLOW_UP_COLUMNS = [(Outcome.PLANNED, _("Convenus")), (Outcome.KEPT, _("Honorés"))]


def _grid(report: dict) -> dict | None:
    """The grid period the breakdowns count, as dates for the templates."""
    grid = report["breakdown"]
    return grid and {
        **grid,
        "start": date.fromisoformat(grid["start"]),
        "end": date.fromisoformat(grid["end"]),
    }


def _period(request: HttpRequest) -> tuple[Period, str]:
    """The period asked for in the query string, or the default one with the reason it was refused."""
    try:
        return Period.parse(request.GET.get("du"), request.GET.get("au"), request.GET.get("pas")), ""
    except PeriodError as error:
        return Period.default(), str(error)


@require_GET
@role_required(*STATISTICS_ROLES)
def dashboard(request: HttpRequest) -> HttpResponse:
    period, error = _period(request)
    report = figures.report(period)
    context = {
        "report": report,
        "period": period,
        "error": error,
        "query": request.GET.urlencode(),
        "columns": charts.columns(report["series"], period.step),
        "heatmap": charts.heat_levels(report["heatmap"]),
        "dimensions": charts.with_bars(report["dimensions"]),
        "steps": figures.STEPS,
        "grid": _grid(report),
        "grid_months": grid_months(),
        "helped_labels": Helped.choices,
        "follow_up_labels": FOLLOW_UP_COLUMNS,
    }
    return render(request, "stats/dashboard.html", context, status=400 if error else 200)


@require_GET
@role_required(*STATISTICS_ROLES)
def export(request: HttpRequest, kind: str) -> HttpResponse:
    period, error = _period(request)
    if error:
        return HttpResponse(error, status=400, content_type="text/plain; charset=utf-8")
    report = figures.report(period)
    name = f"ecoute-statistiques-{period.start}-{period.end}"
    if kind == "csv":
        response = HttpResponse(exports.to_csv(report), content_type="text/csv; charset=utf-8")
        name += ".csv"
    else:
        response = HttpResponse(
            exports.to_xlsx(report),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        name += ".xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    journal.record(
        SecurityEventKind.EXPORT,
        actor=request.user,
        summary=f"Export des statistiques : {name}",
        what="statistics",
        format=kind,
        start=str(period.start),
        end=str(period.end),
    )
    return response


# The public page shows the largest rows of each distribution; the others are merged into one line that says so.
PUBLIC_ROWS = 10


@require_GET
@cache_control(public=True, max_age=300)
def public(request: HttpRequest) -> HttpResponse:
    report = figures.public_report()
    context = {
        "report": report,
        "columns": charts.columns(report["this_year"]["by_month"]),
        "grid": _grid(report),
        "grid_months": grid_months(),
        "dimensions": charts.with_bars([charts.top_rows(d, PUBLIC_ROWS) for d in report["dimensions"]]),
    }
    return render(request, "stats/public.html", context)
