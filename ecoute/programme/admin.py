"""The programme's back office: events with their slots, workshops, members, and the outbox (read only).

Open to the roles of PROGRAMME_ROLES (ecoute/accounts/access.py) whatever their Django
permissions; registrations are handled on the staff pages (views_staff.py), not here.
"""

from django.contrib import admin, messages
from django.db.models import Count, Q
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from ecoute.accounts.access import runs_programme
from ecoute.directory.views import map_config

from . import actions, series
from .models import HOLDING_STATES, Event, Member, OutboxMessage, Question, Series, Slot, Workshop

SERIES_WEEKS = 8


class ProgrammeAccess:
    """The programme's staff may do everything here; nobody else sees it (administrators aside)."""

    def _allowed(self, request) -> bool:
        return request.user.is_active and (request.user.is_superuser or runs_programme(request.user))

    def has_module_permission(self, request):
        return self._allowed(request)

    def has_view_permission(self, request, obj=None):
        return self._allowed(request)

    def has_add_permission(self, request, *args):
        return self._allowed(request)

    def has_change_permission(self, request, obj=None):
        return self._allowed(request)

    def has_delete_permission(self, request, obj=None):
        return self._allowed(request)


class SlotInline(ProgrammeAccess, admin.TabularInline):
    model = Slot
    extra = 0
    show_change_link = True


class WorkshopInline(ProgrammeAccess, admin.TabularInline):
    model = Workshop
    extra = 1


@admin.register(Event)
class EventAdmin(ProgrammeAccess, admin.ModelAdmin):
    list_display = [
        "title",
        "kind",
        "starts_at",
        "city",
        "capacity",
        "held",
        "published",
        "cancelled_at",
        "registrations_link",
    ]
    list_filter = ["kind", "published", "region", "online"]
    search_fields = ["title", "theme", "city"]
    date_hierarchy = "starts_at"
    inlines = [SlotInline]
    readonly_fields = ["cancelled_at", "series", "occurrence", "venue_map"]
    actions = ["publish", "unpublish", "repeat_weekly", "cancel"]
    fieldsets = [
        (None, {"fields": ["kind", "title", "theme", "description", "speakers"]}),
        (
            _("Quand et où"),
            {
                "fields": [
                    "starts_at",
                    "ends_at",
                    "online",
                    "venue",
                    "city",
                    "region",
                    "venue_map",
                    "venue_latitude",
                    "venue_longitude",
                    "join_url",
                ]
            },
        ),
        (
            _("Places et prix"),
            {"fields": ["capacity", "overbooking_percent", "price", "free_for_members", "dpc_reference"]},
        ),
        (_("Publication"), {"fields": ["published", "cancelled_at", "series", "occurrence"]}),
    ]

    class Media:
        css = {"all": ["leaflet/leaflet.css", "programme/venue_map.css"]}
        js = ["leaflet/leaflet.js", "programme/venue_map.js"]

    @admin.display(description=_("position du lieu"))
    def venue_map(self, event):
        """The map where staff click (or drag the marker) to set the venue's latitude and longitude."""
        config = map_config()
        return format_html(
            '<div id="venue-map" class="venue-map" data-outlines="{}" data-tiles="{}" data-attribution="{}" '
            'aria-describedby="venue-map-help"></div><p id="venue-map-help" class="help">{}</p>',
            reverse("directory_api:outlines"),
            config["tiles"],
            config["attribution"],
            _(
                "Cliquez sur la carte à l'endroit du lieu, ou faites glisser le repère ; ou saisissez la "
                "latitude et la longitude ci-dessous. Sans position, la carte de l'événement montre sa ville."
            ),
        )

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(held_count=Count("registrations", filter=Q(registrations__state__in=HOLDING_STATES)))
        )

    @admin.display(description=_("places prises"), ordering="held_count")
    def held(self, event):
        return event.held_count

    @admin.display(description=_("inscriptions"))
    def registrations_link(self, event):
        return format_html(
            '<a href="{}">{}</a>', reverse("programme:staff_event", args=[event.pk]), _("voir")
        )

    @admin.action(description=_("Publier les événements choisis"))
    def publish(self, request, queryset):
        queryset.filter(cancelled_at=None).update(published=True)

    @admin.action(description=_("Retirer de l'agenda les événements choisis"))
    def unpublish(self, request, queryset):
        queryset.update(published=False)

    @admin.action(description=_("Répéter chaque semaine pendant 8 semaines (séries eJADES), non publiés"))
    def repeat_weekly(self, request, queryset):
        made = sum(len(series.repeat_weekly(event, SERIES_WEEKS)) for event in queryset)
        messages.success(request, _("%(n)s séances créées, à relire puis publier.") % {"n": made})

    @admin.action(description=_("Annuler les événements choisis (les inscrits sont prévenus)"))
    def cancel(self, request, queryset):
        for event in queryset.filter(cancelled_at=None):
            told = actions.cancel_event(event.pk)
            messages.success(
                request, _("%(event)s annulé : %(n)s personnes prévenues.") % {"event": event, "n": told}
            )


@admin.register(Slot)
class SlotAdmin(ProgrammeAccess, admin.ModelAdmin):
    list_display = ["label", "event", "starts_at", "ends_at"]
    inlines = [WorkshopInline]


@admin.register(Member)
class MemberAdmin(ProgrammeAccess, admin.ModelAdmin):
    list_display = ["name", "email", "year", "kind", "code"]
    list_filter = ["year", "kind"]
    search_fields = ["name", "email", "code"]


@admin.register(OutboxMessage)
class OutboxAdmin(ProgrammeAccess, admin.ModelAdmin):
    """What was sent, what waits, what failed: read only (the worker sends)."""

    list_display = ["kind", "registration", "send_after", "sent_at", "attempts", "last_error", "dropped"]
    list_filter = ["kind", "dropped", ("sent_at", admin.EmptyFieldListFilter)]

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Question)
class QuestionAdmin(ProgrammeAccess, admin.ModelAdmin):
    """The questionnaires' questions: a question once answered is made inactive, not deleted."""

    list_display = ["text", "part", "answer_type", "order", "active"]
    list_filter = ["part", "active"]
    list_editable = ["order", "active"]

    def has_delete_permission(self, request, obj=None):
        return self._allowed(request) and (obj is None or not obj.answers.exists())


@admin.register(Series)
class SeriesAdmin(ProgrammeAccess, admin.ModelAdmin):
    """A series: its rule, then "create the sessions"; each session is then edited or cancelled on its own."""

    list_display = ["title", "first_start", "rule", "sessions_count"]
    actions = ["generate"]

    @admin.display(description=_("séances"))
    def sessions_count(self, series):
        return series.sessions.count()

    @admin.action(
        description=_("Créer les séances manquantes des séries choisies (copies de la séance modèle)")
    )
    def generate(self, request, queryset):
        for one in queryset:
            try:
                made = series.generate(one)
            except series.RuleProblem as problem:
                messages.error(request, f"{one} : {problem}")
                continue
            messages.success(
                request, _("%(series)s : %(n)s séances créées.") % {"series": one, "n": len(made)}
            )
