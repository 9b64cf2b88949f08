from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.static import serve

admin.site.site_header = "Écoute — administration"
admin.site.site_title = "Écoute"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("ecoute.accounts.urls")),
    path("", include("ecoute.calls.urls")),
    # Psychologists' photos; a production deployment serves MEDIA_ROOT from its web server instead.
    path(f"{settings.MEDIA_URL.lstrip('/')}<path:path>", serve, {"document_root": settings.MEDIA_ROOT}),
]
