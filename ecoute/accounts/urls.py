from django.contrib.auth import views as auth_views
from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("connexion/", views.log_in, name="login"),
    path("connexion/verification/", views.verify, name="verify"),
    path("connexion/activation/", views.enrol, name="enrol"),
    path("compte/codes-de-secours/", views.renew_recovery_codes, name="recovery_codes"),
    path("deconnexion/", auth_views.LogoutView.as_view(), name="logout"),
]
