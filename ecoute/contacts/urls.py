from django.urls import path

from . import views

app_name = "contacts"
urlpatterns = [
    path("espace/fiches/", views.records, name="records"),
    path("espace/fiches/a-remplir/", views.pending, name="pending"),
    path("espace/fiches/a-completer/", views.to_complete, name="to_complete"),
    path("espace/fiches/appel-en-cours/", views.caller_history, name="caller_history"),
    path("espace/fiches/appel/<uuid:call_id>/", views.record_call, name="record_call"),
    path("espace/fiches/<int:pk>/note/", views.read_note, name="read_note"),
]
