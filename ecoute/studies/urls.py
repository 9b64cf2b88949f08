from django.urls import path

from . import views

app_name = "studies"

urlpatterns = [
    path("etudes/", views.studies, name="list"),
    path("etudes/gestion/", views.manage, name="manage"),
    path("etudes/gestion/nouvelle/", views.edit, name="new"),
    path("etudes/gestion/<int:pk>/", views.edit, name="edit"),
    path("etudes/gestion/<int:pk>/etat/", views.change_status, name="status"),
    path("etudes/gestion/<int:pk>/invitations/", views.invitations, name="invitations"),
    path("etudes/gestion/<int:pk>/invitations/courriel/", views.invitation_mails, name="invitation_mails"),
    path("etudes/gestion/<int:pk>/resultats/", views.staff_results, name="staff_results"),
    path("etudes/gestion/<int:pk>/export.<str:kind>", views.export, name="export"),
    path("etudes/<slug:slug>/", views.respond, name="respond"),
    path("etudes/<slug:slug>/resultats/", views.published_results, name="results"),
]
