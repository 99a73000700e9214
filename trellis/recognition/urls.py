from django.urls import path

from trellis.recognition import views

app_name = "recognition"
urlpatterns = [
    path("", views.programme_list, name="programmes"),
    path("<int:pk>/", views.programme_detail, name="programme"),
    path("applications/<int:pk>/", views.application_detail, name="application"),
    path("applications/<int:pk>/score/", views.application_score, name="score"),
    path("applications/<int:pk>/decide/", views.application_decide, name="decide"),
]
