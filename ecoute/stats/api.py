"""The statistics API: the same suppressed reports as the pages, as JSON."""

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext
from ninja import Router, Schema
from ninja.errors import HttpError
from ninja.security import APIKeyCookie

from ecoute.accounts.access import is_verified, reads_statistics

from . import figures
from .figures import Period, PeriodError

router = Router(tags=["statistiques"])


class StaffSession(APIKeyCookie):
    """The staff session cookie, after the second factor, for a role that reads statistics."""

    param_name = "sessionid"

    def authenticate(self, request: HttpRequest, key):
        user = request.user
        if not is_verified(user):
            return None
        if not reads_statistics(user):
            raise HttpError(403, gettext("Ce rôle ne lit pas les statistiques."))
        return user


class Report(Schema):
    period: dict[str, Any]
    min_cell: int
    total: int | None
    series: list[dict[str, Any]]
    breakdown: dict[str, Any] | None
    heatmap: list[dict[str, Any]]
    average_minutes: float | None
    dimensions: list[dict[str, Any]]
    service: dict[str, Any]


class PublicReport(Schema):
    min_cell: int
    opened_on: str
    since_opening: int | None
    this_year: dict[str, Any]
    breakdown: dict[str, Any] | None
    dimensions: list[dict[str, Any]]


@router.get(
    "/public",
    response=PublicReport,
    summary="Les chiffres publiés (cellules de moins de k contacts masquées)",
)
def public(request: HttpRequest):
    return figures.public_report()


@router.get(
    "/report",
    response=Report,
    auth=StaffSession(),
    summary="Le tableau de bord d'une période (du, au : AAAA-MM-JJ ; pas : jour, semaine, mois) ; les répartitions portent sur les périodes entières de la grille (breakdown)",
)
def report(request: HttpRequest, du: str | None = None, au: str | None = None, pas: str | None = None):
    try:
        period = Period.parse(du, au, pas)
    except PeriodError as error:
        raise HttpError(400, str(error)) from None
    return figures.report(period)
