"""Staff pages of the eJADES series: list them, create or edit one, preview its dates, publish.

Nothing is written on a preview or on a refused form; saving creates the sessions the rule gives
that do not exist yet (series.generate), left unpublished for review or published at once.
"""

from django.contrib import messages
from django.db import transaction
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_http_methods

from . import series as rules
from .forms_staff import SeriesForm
from .models import Event, Series
from .views_staff import programme_staff

ACTIONS = ("preview", "save", "publish")


@require_GET
@programme_staff
def series_list(request):
    listed = Series.objects.select_related("template").annotate(sessions_count=Count("sessions"))
    return render(request, "programme/staff/series_list.html", {"series_list": listed})


@require_http_methods(["GET", "POST"])
@programme_staff
def series_edit(request, pk=None):
    one = get_object_or_404(Series, pk=pk) if pk else Series()
    saved_rule = one.rule  # the form's checks put the rule typed on the instance before any save
    form = SeriesForm(request.POST or None, instance=one)
    action = request.POST.get("action", "preview")
    if request.method == "GET" or action not in ACTIONS:
        return _page(request, form, one, saved_rule, status=200 if request.method == "GET" else 400)
    if not form.is_valid():
        return _page(request, form, one, saved_rule, status=400)
    if action == "preview":
        return _page(request, form, one, saved_rule, dates=form.dates)
    made, published = save_and_generate(form, publish=action == "publish")
    messages.success(
        request,
        gettext("Série enregistrée : %(made)s séances créées, %(published)s publiées.")
        % {"made": len(made), "published": published},
    )
    return redirect("programme:staff_series_edit", form.instance.pk)


@transaction.atomic
def save_and_generate(form: SeriesForm, publish: bool) -> tuple[list[Event], int]:
    """Save the series, make its missing sessions; on PUBLISH, every session to come is published too."""
    one = form.save()
    made = rules.generate(one, publish=publish)
    published = sum(session.published for session in made)
    if publish:
        published += one.sessions.filter(
            published=False, cancelled_at=None, starts_at__gt=timezone.now()
        ).update(published=True)
    return made, published


def _page(request, form, one, saved_rule, dates=None, status=200):
    sessions = list(one.sessions.order_by("starts_at")) if one.pk else []
    existing = {session.occurrence for session in sessions}
    return render(
        request,
        "programme/staff/series_edit.html",
        {
            "form": form,
            "series": one,
            "saved_rule": saved_rule,
            "sessions": sessions,
            # The preview: each date the rule gives, and whether its session exists already.
            "dates": [(date, date in existing) for date in dates or []],
            # Sessions of the series that the rule no longer gives: staff cancel them one by one.
            "outside": [s for s in sessions if dates is not None and s.occurrence not in set(dates)],
        },
        status=status,
    )
