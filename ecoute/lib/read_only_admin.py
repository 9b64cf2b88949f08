"""Admin pages for what the platform writes itself and nobody may change by hand: calls, journals, geography."""

from django.contrib import admin


class ReadOnlyAdmin(admin.ModelAdmin):
    """Consulted, never added, changed or deleted through the admin."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
