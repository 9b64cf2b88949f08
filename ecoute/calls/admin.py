from django.contrib import admin

from ecoute.lib.read_only_admin import ReadOnlyAdmin

from .models import Call, Ring


class RingInline(admin.TabularInline):
    model = Ring
    extra = 0
    can_delete = False
    readonly_fields = ["psychologist", "outcome", "started_at", "ended_at"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Call)
class CallAdmin(ReadOnlyAdmin):
    """Read-only: a call's history is written by the line, never by hand, and never deleted (the
    statistics and the caller's "your psychologists" count on every call)."""

    list_display = [
        "requested_at",
        "state",
        "channel",
        "psychologist",
        "answered_at",
        "ended_at",
        "end_reason",
    ]
    list_filter = ["state", "channel", "end_reason", "called_back"]
    inlines = [RingInline]
    # The caller key hash stays out of sight: it only serves to recognise a returning caller.
    fields = readonly_fields = [f.name for f in Call._meta.fields if f.name != "caller_key_hash"]
