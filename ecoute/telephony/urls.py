from django.urls import path

from . import views

app_name = "telephony"
urlpatterns = [
    path("espace/appels/<uuid:call_id>/code-de-suivi/", views.give_follow_up_code, name="follow_up_code"),
]
