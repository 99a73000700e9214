from django.urls import path

from trellis.audits import views

urlpatterns = [
    path("districts/<int:pk>/deployments/", views.deployment_list, name="deployment-list"),
    path("deployments/<int:pk>/", views.deployment_detail, name="deployment-detail"),
    path("deployments/<int:pk>/audit/", views.audit_upload, name="audit-upload"),
    path("audits/<int:pk>/", views.audit_detail, name="audit-detail"),
    path("audits/findings/<int:pk>/", views.finding_answer, name="finding-answer"),
    path("overrides/new/", views.override_create, name="override-create"),
    path("districts/<int:pk>/overrides/", views.override_ledger, name="override-ledger"),
]
