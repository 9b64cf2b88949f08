from django.urls import path

from . import views

app_name = "about"

urlpatterns = [
    path("a-propos/", views.about, name="about"),
    path("mentions-legales/", views.legal_notice, name="legal"),
    path("confidentialite/", views.privacy, name="privacy"),
]
