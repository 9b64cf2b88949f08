from django.urls import path

from . import editor, selftests, testimony_views, views

app_name = "selfhelp"

urlpatterns = [
    path("ressources/", views.resources, name="resources"),
    # Before the sheets' slugs: no sheet can be named so.
    path("ressources/disponibles-maintenant/", views.available_now, name="available_now"),
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
    path("auto-tests/chiffres/", selftests.figures, name="selftest_figures"),
    path("auto-tests/<slug:code>/", selftests.selftest, name="selftest"),
    path("auto-tests/<slug:code>/contribution/", selftests.contribute, name="contribute"),
]

urlpatterns += [
    path("temoignages/", testimony_views.testimony_list, name="testimonies"),
    path("temoignages/ecrire/", testimony_views.write, name="write"),
    path("temoignages/flux/", testimony_views.TestimonyFeed(), name="feed"),
    # The key in the query string: the access log never writes query strings (ecoute/lib/anonymity.py).
    path("temoignages/suivi/", testimony_views.follow, name="follow"),
    path("temoignages/<int:pk>/", testimony_views.testimony_page, name="testimony"),
    path("temoignages/<int:pk>/merci/", testimony_views.thank, name="thank"),
    path("moderation/", testimony_views.moderation, name="moderation"),
    path("moderation/mots-surveilles/", testimony_views.watched_phrases, name="watched_phrases"),
    path("moderation/<int:pk>/", testimony_views.moderate, name="moderate"),
]
