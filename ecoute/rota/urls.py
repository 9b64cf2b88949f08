from django.urls import path

from . import views

app_name = "rota"
urlpatterns = [
    path("espace/disponibilites/", views.availability, name="availability"),
    path("espace/disponibilites/habituelle/<int:pk>/supprimer/", views.forget_weekly, name="forget_weekly"),
    path(
        "espace/disponibilites/exception/<int:pk>/supprimer/", views.forget_exception, name="forget_exception"
    ),
    path("espace/disponibilites/nouveau-lien/", views.new_feed_link, name="new_feed_link"),
    path("espace/disponibilites/garde/<int:pk>/proposer/", views.offer_shift, name="offer_shift"),
    path("espace/gardes-proposees/<int:pk>/retirer/", views.withdraw_offer, name="withdraw_offer"),
    path("espace/gardes-proposees/<int:pk>/prendre/", views.take_offer, name="take_offer"),
    path("espace/planning/echange/<int:pk>/", views.decide_handover, name="decide_handover"),
    path("espace/planning/", views.week, name="week"),
    path("espace/planning/garde/<int:pk>/", views.edit_shift, name="edit_shift"),
    path("espace/planning/evenement/<int:pk>/supprimer/", views.forget_event, name="forget_event"),
    # Public by design: the secret key in the address is the only proof (docs/rota.md).
    path("gardes/<str:key>.ics", views.feed, name="feed"),
]
