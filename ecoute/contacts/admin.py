"""Administrators edit the taxonomies and the note policy, and consult the reading audit.

Contact records themselves are not in the admin: administrators see aggregates only, and the
notes are read through ecoute.contacts.views, which asks a reason and writes the audit.
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from ecoute.lib.crypto import opened
from ecoute.lib.read_only_admin import ReadOnlyAdmin

from .models import (
    AgeBand,
    Departement,
    EmploymentStatus,
    FollowUp,
    NotePolicy,
    NoteRead,
    Orientation,
    Profession,
    Reason,
    RiskLevel,
    Sector,
)


class TermAdmin(admin.ModelAdmin):
    list_display = ["label", "code", "position", "active"]
    list_editable = ["position", "active"]
    list_filter = ["active"]
    search_fields = ["label", "code"]

    def get_readonly_fields(self, request, obj=None):
        # Statistics, exports and imports know a term by its code: it never changes once used.
        return ["code"] if obj else []

    def has_delete_permission(self, request, obj=None):
        # Retire a term (untick "active") instead: the records that used it keep it.
        return False


for model in (
    Profession,
    EmploymentStatus,
    Sector,
    Departement,
    AgeBand,
    Reason,
    RiskLevel,
    Orientation,
    FollowUp,
):
    admin.site.register(model, TermAdmin)


@admin.register(NotePolicy)
class NotePolicyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return not NotePolicy.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(NoteRead)
class NoteReadAdmin(ReadOnlyAdmin):
    """The journal of note readings: consulted, never changed."""

    list_display = ["read_at", "reader", "record_id", "place", "stated_reason"]
    list_filter = ["place", "read_at"]
    # The reasons are encrypted: searched by reader only.
    search_fields = ["reader__username"]
    date_hierarchy = "read_at"
    fields = readonly_fields = ["read_at", "reader", "record", "place", "stated_reason"]

    @admin.display(description=_("motif de la lecture"))
    def stated_reason(self, read: NoteRead) -> str:
        """Decrypted on purpose: checking why each note was read is what the journal is for."""
        return opened(read.reason)
