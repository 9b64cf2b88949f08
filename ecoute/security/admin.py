from django.contrib import admin

from ecoute.accounts.access import is_administrator
from ecoute.lib.read_only_admin import ReadOnlyAdmin

from .models import SecurityEvent


@admin.register(SecurityEvent)
class SecurityEventAdmin(ReadOnlyAdmin):
    """The security journal: consulted by administrators, never changed."""

    list_display = ["at", "kind", "actor", "summary"]
    list_filter = ["kind", "at"]
    search_fields = ["actor__username", "summary"]
    date_hierarchy = "at"
    readonly_fields = ["at", "kind", "actor", "summary", "details"]

    def has_module_permission(self, request):
        return is_administrator(request.user)

    def has_view_permission(self, request, obj=None):
        return is_administrator(request.user)
