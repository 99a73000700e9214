from django.urls import path

from trellis.insights import overview_views, views

app_name = "insights"
urlpatterns = [
    path("", views.insights_home, name="home"),
    path("funding/", views.streams, name="streams"),
    path("funding/streams/new/", views.stream_edit, name="stream-new"),
    path("funding/streams/<int:pk>/", views.stream_edit, name="stream-edit"),
    path("funding/spend/", views.state_spend, name="state-spend"),
    path("funding/districts/<int:pk>/", views.district_funding, name="district-funding"),
    path("plans/districts/<int:pk>/", views.district_plans, name="district-plans"),
    path("plans/<int:pk>/", views.plan_detail, name="plan"),
    path("plans/<int:pk>/submit/", views.plan_submit_view, name="plan-submit"),
    path("plans/goals/<int:pk>/feedback/", views.goal_feedback, name="goal-feedback"),
    path("reports/", views.state_reports, name="state-reports"),
    path("reports/districts/<int:pk>/", views.district_reports, name="district-reports"),
    path("reports/<int:pk>/", views.report_detail, name="report"),
    path("reports/<int:pk>/review/", views.report_review_view, name="report-review"),
    path("reports/<int:pk>/report.pdf", views.report_pdf_view, name="report-pdf"),
    path("reports/feedback/<int:pk>/respond/", views.feedback_respond_view, name="feedback-respond"),
    path("overview/", overview_views.overview, name="overview"),
    path("overview/districts.csv", overview_views.overview_csv, name="overview-csv"),
    path("overview/professional-development.edfi.json", overview_views.overview_edfi, name="overview-edfi"),
]
