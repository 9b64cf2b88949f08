from django.contrib import admin

from .models import SecurityEvent


@admin.register(SecurityEvent)
class SecurityEventAdmin(admin.ModelAdmin):
    """The security journal: consulted by administrators, never changed."""

    list_display = ["at", "kind", "actor", "summary"]
    list_filter = ["kind", "at"]
    search_fields = ["actor__username", "summary"]
    date_hierarchy = "at"
    readonly_fields = ["at", "kind", "actor", "summary", "details"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
