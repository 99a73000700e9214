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
]
