from django.urls import path

from . import views

app_name = "followup"

urlpatterns = [
    path("appel/suivi/", views.agree, name="agree"),
]
