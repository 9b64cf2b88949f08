from django.urls import path

from . import views

app_name = "directory"
urlpatterns = [
    path("orientation/", views.search_page, name="search"),
    path("orientation/carte/", views.map_page, name="map"),
    path("orientation/carte/donnees.json", views.map_data, name="map_data"),
    path("orientation/<int:pk>/", views.entry_page, name="entry"),
    path("espace/orientation/", views.panel_results, name="panel"),
    path("espace/orientation/envoyer/", views.send_card, name="send_card"),
    path("espace/orientation/noter/", views.note_orientation, name="note_orientation"),
]
