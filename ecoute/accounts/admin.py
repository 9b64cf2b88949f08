from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.admin import TOTPDeviceAdmin
from django_otp.plugins.otp_totp.models import TOTPDevice

from ecoute.security import journal
from ecoute.security.models import SecurityEventKind

from . import twofactor
from .models import Language, ListenerProfile, User

# What makes a role: a change of any of these is journalled.
ROLE_FIELDS = ("role", "is_superuser", "is_staff", "is_active", "groups", "user_permissions")


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
    actions = ["reset_second_factor"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        changed = [name for name in ROLE_FIELDS if name in form.changed_data]
        if changed or not change:
            journal.record(
                SecurityEventKind.ROLE_CHANGED,
                actor=request.user,
                summary=f"{'Droits modifiés' if change else 'Compte créé'} : {obj.username} ({obj.get_role_display()}"
                f"{', superutilisateur' if obj.is_superuser else ''}{', inactif' if not obj.is_active else ''})",
                account=obj.username,
                fields=changed,
                role=obj.role,
                is_superuser=obj.is_superuser,
                is_staff=obj.is_staff,
                is_active=obj.is_active,
            )

    @admin.action(description=_("Réinitialiser le second facteur (téléphone perdu)"))
    def reset_second_factor(self, request, queryset):
        for user in queryset:
            twofactor.reset(user, by=request.user)
        self.message_user(
            request,
            _("Second facteur réinitialisé : la prochaine connexion associera une nouvelle application."),
            messages.SUCCESS,
        )


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


# Deleting an authenticator in django-otp's own admin is a second-factor reset too: journalled.
admin.site.unregister(TOTPDevice)


@admin.register(TOTPDevice)
class JournalledTOTPDeviceAdmin(TOTPDeviceAdmin):
    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        journal.record(
            SecurityEventKind.SECOND_FACTOR_RESET,
            actor=request.user,
            summary=f"Application d’authentification de {obj.user.username} supprimée",
            account=obj.user.username,
        )

    def delete_queryset(self, request, queryset):
        names = sorted(set(queryset.values_list("user__username", flat=True)))
        super().delete_queryset(request, queryset)
        for name in names:
            journal.record(
                SecurityEventKind.SECOND_FACTOR_RESET,
                actor=request.user,
                summary=f"Application d’authentification de {name} supprimée",
                account=name,
            )
