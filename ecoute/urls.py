from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt
from django.views.i18n import JavaScriptCatalog, set_language
from django.views.static import serve
from django_otp.admin import OTPAdminSite

from ecoute.accounts.views import admin_login
from ecoute.api import api

admin.site.site_header = "Écoute — administration"
admin.site.site_title = "Écoute"
# The admin needs the second factor too, and has no login of its own: staff use the one throttled login.
admin.site.__class__ = OTPAdminSite
admin.site.login = admin_login

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("ecoute.accounts.urls")),
    path("", include("ecoute.calls.urls")),
    path("", include("ecoute.telephony.urls")),
    path("", include("ecoute.directory.urls")),
    path("api/directory/", include("ecoute.directory.api_urls")),
    path("", include("ecoute.contacts.urls")),
    path("", include("ecoute.stats.urls")),
    path("", include("ecoute.about.urls")),
    path("", include("ecoute.programme.urls")),
    path("", include("ecoute.selfhelp.urls")),
    path("", include("ecoute.studies.urls")),
    path("", include("ecoute.feedback.urls")),
    path("", include("ecoute.followup.urls")),
    path("", include("ecoute.rota.urls")),
    path("api/", api.urls),
    # The texts of the apps' scripts in the visitor's language (gettext, ngettext and interpolate for
    # the scripts, loaded by templates/base.html before them). Only Écoute's own catalog
    # (LOCALE_PATHS, always included): naming one of its apps keeps the admin's strings out of it.
    path("jsi18n/", JavaScriptCatalog.as_view(packages=["ecoute.calls"]), name="javascript-catalog"),
    # The visitor's choice of interface language, kept on their device in a cookie holding only the
    # language code (templates/includes/language_switch.html). No CSRF token on purpose: it would put a
    # second, random cookie on a caller's phone, and a forged request could only switch the language.
    path("i18n/setlang/", csrf_exempt(set_language), name="set_language"),
    # Psychologists' photos; a production deployment serves MEDIA_ROOT from its web server instead.
    path(f"{settings.MEDIA_URL.lstrip('/')}<path:path>", serve, {"document_root": settings.MEDIA_ROOT}),
]
