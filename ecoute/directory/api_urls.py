from django.urls import path

from . import api

app_name = "directory_api"
urlpatterns = [
    path("entries", api.entries, name="entries"),
    path("entries/<int:pk>", api.entry, name="entry"),
    path("outlines.geojson", api.outlines, name="outlines"),
    path("hsds/services", api.hsds_services, name="hsds_services"),
    path("fhir", api.fhir, name="fhir"),
]
