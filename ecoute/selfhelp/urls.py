from django.urls import path

from . import editor, selftests, views

app_name = "selfhelp"

urlpatterns = [
    path("ressources/", views.resources, name="resources"),
    path("ressources/<slug:slug>/", views.sheet, name="sheet"),
    path("redaction/", editor.sheets, name="editor"),
    path("redaction/fiche/nouvelle/", editor.edit, name="new"),
    path("redaction/fiche/<int:pk>/", editor.edit, name="edit"),
    path("redaction/fiche/<int:pk>/versions/", editor.revisions, name="revisions"),
    path("redaction/fiche/<int:pk>/versions/<int:revision_pk>/", editor.restore, name="restore"),
    path("redaction/images/", editor.images, name="images"),
]

urlpatterns += [
    path("auto-tests/", selftests.selftests, name="selftests"),
    path("auto-tests/<slug:code>/", selftests.selftest, name="selftest"),
    path("auto-tests/<slug:code>/contribution/", selftests.contribute, name="contribute"),
]
