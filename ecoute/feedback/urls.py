from django.urls import path

from . import views

app_name = "feedback"

urlpatterns = [
    path("appel/retour/", views.give, name="give"),
    path("espace/retours-des-appelants/", views.team, name="team"),
]
