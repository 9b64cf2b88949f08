from django.urls import path

from . import views

app_name = "calls"
urlpatterns = [
    path("", views.line, name="line"),
    path("tableau/", views.board, name="board"),
    path("espace/", views.workspace, name="workspace"),
    path("supervision/", views.supervise, name="supervision"),
    path("supervision/tableau/", views.supervision_board, name="supervision_board"),
    path("hors-ligne/", views.offline, name="offline"),
    path("manifest.webmanifest", views.manifest, name="manifest"),
    path("sw.js", views.service_worker, name="service_worker"),
]
