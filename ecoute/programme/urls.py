from django.urls import path

from . import views, views_series, views_staff

app_name = "programme"
urlpatterns = [
    path("programme/", views.agenda, name="agenda"),
    path("programme/agenda.ics", views.feed, name="feed"),
    path("programme/<int:pk>/", views.event_page, name="event"),
    path("programme/<int:pk>/lieu.json", views.place_data, name="place"),
    path("programme/inscription/<str:token>/", views.manage, name="manage"),
    path("programme/attestation/", views.verify, name="verify"),
    path("programme/questionnaire/<str:token>/", views.survey_page, name="survey"),
    path("programme/rejoindre/<str:token>/", views.join, name="join"),
    path("espace/programme/", views_staff.events, name="staff_events"),
    path("espace/programme/series/", views_series.series_list, name="staff_series"),
    path("espace/programme/series/nouvelle/", views_series.series_edit, name="staff_series_new"),
    path("espace/programme/series/<int:pk>/", views_series.series_edit, name="staff_series_edit"),
    path("espace/programme/sentinelles/", views_staff.sentinel_network, name="staff_sentinels"),
    path("espace/programme/<int:pk>/", views_staff.event, name="staff_event"),
    path(
        "espace/programme/<int:pk>/inscriptions.csv", views_staff.export, {"fmt": "csv"}, name="staff_export"
    ),
    path(
        "espace/programme/<int:pk>/inscriptions.xlsx",
        views_staff.export,
        {"fmt": "xlsx"},
        name="staff_export_xlsx",
    ),
    path("espace/programme/<int:pk>/questionnaires/", views_staff.survey_results, name="staff_survey"),
    path(
        "espace/programme/<int:pk>/questionnaires.csv", views_staff.survey_export, name="staff_survey_export"
    ),
    path(
        "espace/programme/<int:pk>/connexions/", views_staff.attendance_report, name="staff_attendance_report"
    ),
    path(
        "espace/programme/<int:pk>/connexions.csv",
        views_staff.attendance_export,
        name="staff_attendance_export",
    ),
    path("espace/programme/<int:pk>/emargement/", views_staff.sign_in_sheet, name="staff_sign_in"),
    path("espace/programme/<int:pk>/emargement/signer/", views_staff.sign, name="staff_sign"),
    path(
        "espace/programme/<int:pk>/emargement/retirer/",
        views_staff.remove_signature,
        name="staff_remove_signature",
    ),
    path(
        "espace/programme/<int:pk>/emargement/feuille.pdf",
        views_staff.sign_in_sheet_pdf,
        name="staff_sign_in_pdf",
    ),
    path(
        "espace/programme/<int:pk>/emargement/enregistrer/",
        views_staff.record_attendance,
        name="staff_attendance",
    ),
    path(
        "espace/programme/<int:pk>/attestations/", views_staff.issue_certificates, name="staff_certificates"
    ),
    path(
        "espace/programme/<int:pk>/attestations/<int:registration_pk>.pdf",
        views_staff.certificate_pdf,
        name="staff_certificate",
    ),
    path("espace/programme/entree/<str:token>/", views_staff.check_in, name="staff_check_in"),
    path("espace/programme/<int:pk>/annuler/", views_staff.cancel_event, name="staff_cancel"),
    path("espace/programme/<int:pk>/message/", views_staff.message_participants, name="staff_message"),
]
