"""The association's back office for the directory: networks, entries, stale entries, CSV import."""

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ecoute.lib.read_only_admin import ReadOnlyAdmin
from ecoute.security import journal
from ecoute.security.models import SecurityEventKind

from .importer import MAX_BYTES, ImportRejected, import_csv
from .models import Commune, Departement, Entry, Network, Profession, Region, Theme


@admin.register(Network)
class NetworkAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "website"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Profession, Theme)
class VocabularyAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


class VerificationFilter(admin.SimpleListFilter):
    """Data goes stale: entries nobody has re-checked for ECOUTE_DIRECTORY_STALE_DAYS days."""

    title = _("vérification")
    parameter_name = "verification"

    def lookups(self, request, model_admin):
        return [
            (
                "stale",
                _("À revérifier (plus de %(days)s jours)") % {"days": settings.ECOUTE_DIRECTORY_STALE_DAYS},
            ),
            ("fresh", _("Vérifiées récemment")),
        ]

    def queryset(self, request, queryset):
        if self.value() == "stale":
            return queryset.stale()
        if self.value() == "fresh":
            return queryset.exclude(pk__in=queryset.stale().values("pk"))
        return queryset


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("Fichier CSV"),
        help_text=_(
            "UTF-8, séparateur virgule ou point-virgule ; colonnes décrites dans docs/directory-import.md."
        ),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(_("Fichier trop gros (5 Mo au plus)."))
        return upload


@admin.register(Entry)
class EntryAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "kind",
        "profession",
        "unit_status",
        "commune",
        "accepting_new_patients",
        "last_verified",
        "published",
    ]
    list_filter = [
        VerificationFilter,
        "kind",
        "unit_status",
        "networks",
        "profession",
        "themes",
        "teleconsultation",
        "published",
    ]
    search_fields = ["name", "organization", "external_id", "commune__name", "postal_code"]
    autocomplete_fields = ["commune"]
    filter_horizontal = ["networks", "themes", "languages"]
    list_select_related = ["profession", "commune"]
    date_hierarchy = "last_verified"
    actions = ["mark_verified"]
    readonly_fields = ["created_at", "updated_at"]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "external_id",
                    "kind",
                    "name",
                    "organization",
                    "profession",
                    "service_type",
                    "published",
                ]
            },
        ),
        (_("Unité dédiée"), {"fields": ["unit_status", "opening", "beds"]}),
        (
            _("Pour qui, comment"),
            {
                "fields": [
                    "networks",
                    "themes",
                    "languages",
                    "teleconsultation",
                    "accepting_new_patients",
                    "nationwide",
                ]
            },
        ),
        (
            _("Où"),
            {
                "fields": ["address", "postal_code", "commune", "latitude", "longitude"],
                "description": _(
                    "Sans latitude ni longitude, la position de la mairie de la commune est utilisée."
                ),
            },
        ),
        (_("Contact"), {"fields": ["phone", "email", "website"]}),
        (_("Pour l’appelant"), {"fields": ["what_to_expect", "how_to_reach"]}),
        (_("Suivi"), {"fields": ["last_verified", "created_at", "updated_at"]}),
    ]

    def save_model(self, request, obj, form, change):
        if obj.commune_id and (obj.latitude is None or obj.longitude is None):
            obj.latitude, obj.longitude = obj.commune.latitude, obj.commune.longitude
        super().save_model(request, obj, form, change)

    @admin.action(description=_("Marquer comme vérifiées aujourd’hui"))
    def mark_verified(self, request, queryset):
        count = queryset.update(last_verified=timezone.localdate())
        self.message_user(request, _("%(count)s entrée(s) marquée(s) comme vérifiées.") % {"count": count})

    def get_urls(self):
        own = [path("import/", self.admin_site.admin_view(self.import_view), name="directory_entry_import")]
        return own + super().get_urls()

    def import_view(self, request):
        """Upload a CSV: all or nothing, with every error's line number on refusal."""
        if not self.has_add_permission(request) or not self.has_change_permission(request):
            raise PermissionDenied
        form = ImportForm(request.POST or None, request.FILES or None)
        errors = []
        if request.method == "POST" and form.is_valid():
            try:
                report = import_csv(form.cleaned_data["file"].read())
            except ImportRejected as rejected:
                errors = rejected.errors
            else:
                journal.record(
                    SecurityEventKind.IMPORT,
                    actor=request.user,
                    summary=f"Import de l’annuaire : {report}"[:300],
                    what="directory",
                    file=form.cleaned_data["file"].name[:100],
                )
                messages.success(request, _("Import terminé : %(report)s.") % {"report": report})
                return redirect(reverse("admin:directory_entry_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "form": form,
            "errors": errors,
            "title": _("Importer l’annuaire (CSV)"),
        }
        return TemplateResponse(request, "admin/directory/entry/import.html", context)


@admin.register(Commune)
class CommuneAdmin(ReadOnlyAdmin):
    """Read-only: the geography comes from the official data (load_geography)."""

    list_display = ["name", "code", "departement", "population"]
    search_fields = ["name", "code", "postal_codes__code"]
    list_filter = ["departement__region"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Region, Departement)
class AreaAdmin(CommuneAdmin):
    list_display = ["name", "code"]
    search_fields = ["name", "code"]
    list_filter = []
    exclude = ["outline"]
