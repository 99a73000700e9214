from django.urls import path

from trellis.learning import views

urlpatterns = [
    path("", views.learning_home, name="learning-home"),
    path("frameworks/", views.framework_list, name="framework-list"),
    path("frameworks/import/", views.framework_import_view, name="framework-import"),
    path("frameworks/<str:identifier>/", views.framework_detail, name="framework-detail"),
    path("frameworks/<str:identifier>/case.json", views.framework_export, name="framework-export"),
    path("frameworks/<str:identifier>/new-version/", views.framework_new_version_view, name="framework-new-version"),
    path("frameworks/<str:identifier>/publish/", views.framework_publish_view, name="framework-publish"),
    path("frameworks/<str:identifier>/items/<int:pk>/", views.competency_edit, name="competency-edit"),
    path("records/", views.xapi_imports, name="xapi-imports"),
    path("records/match/", views.xapi_place, name="xapi-place"),
    path("my-record/", views.learning_record, name="learning-record"),
    path("offerings/", views.offering_list, name="offering-list"),
    path("offerings/new/", views.offering_create, name="offering-create"),
    path("offerings/<int:pk>/", views.offering_detail, name="offering-detail"),
    path("offerings/<int:pk>/join/", views.offering_join, name="offering-join"),
    path("offerings/<int:pk>/cancel/", views.offering_cancel, name="offering-cancel"),
    path("offerings/<int:pk>/sessions/", views.session_add_view, name="session-add"),
    path("offerings/<int:pk>/sessions/<int:session_pk>/attendance/", views.session_attendance,
         name="session-attendance"),
    path("certificates/<str:number>/", views.certificate, name="certificate"),
    path("coaching/", views.coaching_home, name="coaching"),
    path("coaching/new/", views.cycle_create, name="cycle-create"),
    path("coaching/<int:pk>/", views.cycle_detail, name="cycle-detail"),
    path("coaching/<int:pk>/observe/", views.observation_create, name="observation-create"),
    path("self-assessment/", views.self_assessment, name="self-assessment"),
    path("self-assessment/summary/<int:org_pk>/", views.self_assessment_summary, name="self-assessment-summary"),
    path("voice/", views.survey_list, name="survey-list"),
    path("voice/<int:pk>/", views.survey_detail, name="survey-detail"),
]
