from django.urls import path

from trellis.insights import overview_views

app_name = "insights"

urlpatterns = [
    path("overview/", overview_views.overview, name="overview"),
    path("overview/districts.csv", overview_views.overview_csv, name="overview-csv"),
    path("overview/professional-development.edfi.json", overview_views.overview_edfi, name="overview-edfi"),
]
