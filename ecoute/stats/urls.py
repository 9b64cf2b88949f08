from django.urls import path

from . import views

app_name = "stats"
urlpatterns = [
    path("statistiques/", views.dashboard, name="dashboard"),
    path("statistiques/export.csv", views.export, {"kind": "csv"}, name="export_csv"),
    path("statistiques/export.xlsx", views.export, {"kind": "xlsx"}, name="export_xlsx"),
    path("chiffres/", views.public, name="public"),
]
