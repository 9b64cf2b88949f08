from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from .models import Language, ListenerProfile, User


class ListenerProfileInline(admin.StackedInline):
    model = ListenerProfile
    can_delete = False
    filter_horizontal = ["languages"]


@admin.register(User)
class StaffUserAdmin(UserAdmin):
    inlines = [ListenerProfileInline]
    list_display = ["username", "first_name", "last_name", "role", "is_active"]
    list_filter = ["role", "is_active", "is_staff"]
    fieldsets = UserAdmin.fieldsets + ((None, {"fields": ["role"]}),)
    add_fieldsets = UserAdmin.add_fieldsets + ((None, {"fields": ["role"]}),)


@admin.register(Language)
class LanguageAdmin(admin.ModelAdmin):
    list_display = ["name", "code"]
    search_fields = ["name", "code"]


@admin.register(ListenerProfile)
class ListenerProfileAdmin(admin.ModelAdmin):
    list_display = ["first_name", "user", "active"]
    list_filter = ["active", "languages"]
    filter_horizontal = ["languages"]
    search_fields = ["first_name", "user__username"]
