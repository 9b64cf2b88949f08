from django.contrib import admin

from .models import Presence


@admin.register(Presence)
class PresenceAdmin(admin.ModelAdmin):
    list_display = ["user", "status", "changed_at", "last_seen"]
    list_filter = ["status"]
    readonly_fields = ["user", "status", "changed_at", "last_seen", "version", "session", "wrap_up_until"]

    def has_add_permission(self, request) -> bool:
        return False
