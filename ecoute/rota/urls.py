from django.urls import path

from . import views

app_name = "rota"
urlpatterns = [
    path("espace/disponibilites/", views.availability, name="availability"),
    path("espace/disponibilites/habituelle/<int:pk>/supprimer/", views.forget_weekly, name="forget_weekly"),
    path(
        "espace/disponibilites/exception/<int:pk>/supprimer/", views.forget_exception, name="forget_exception"
    ),
    path("espace/planning/", views.week, name="week"),
]
