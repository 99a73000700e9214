from django.urls import path

from trellis.tools import views

urlpatterns = [
    path("tools/", views.tool_list, name="tool-list"),
    path("tools/new/", views.tool_create, name="tool-create"),
    path("tools/rubric/", views.rubric_detail, name="rubric"),
    path("tools/rubric/publish/", views.rubric_publish, name="rubric-publish"),
    path("tools/<int:pk>/", views.tool_detail, name="tool-detail"),
    path("tools/<int:pk>/edit/", views.tool_edit, name="tool-edit"),
    path("tools/<int:pk>/request/", views.request_create, name="tool-request-create"),
    path("tools/<int:pk>/review/<int:org_pk>/", views.review_start, name="review-start"),
    path("tools/requests/", views.request_list, name="tool-request-list"),
    path("tools/requests/<int:pk>/", views.request_detail, name="tool-request-detail"),
    path("tools/reviews/<int:pk>/", views.review_detail, name="review-detail"),
    path("tools/reviews/<int:pk>/publish/", views.review_publish, name="review-publish"),
    path("tools/agreements/<int:pk>/file/", views.agreement_file, name="agreement-file"),
    path("tools/incidents/", views.incident_list, name="incident-list"),
    path("tools/incidents/new/", views.incident_create, name="incident-create"),
    path("tools/incidents/<int:pk>/", views.incident_detail, name="incident-detail"),
    path("tools/opt-outs/", views.opt_out_list, name="opt-out-list"),
    path("tools/opt-outs/<int:pk>/", views.opt_out_detail, name="opt-out-detail"),
    path("districts/<int:pk>/tools/", views.inventory, name="tool-inventory"),
    path("districts/<int:pk>/tools/add/", views.inventory_add, name="tool-inventory-add"),
    path("districts/<int:pk>/tools/<int:tool_pk>/decide/", views.decision_create, name="decision-create"),
    path("districts/<int:pk>/tools/<int:tool_pk>/agreement/", views.agreement_create, name="agreement-create"),
]
