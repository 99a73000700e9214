from django.urls import path

from trellis.roadmap import views

app_name = "roadmap"
urlpatterns = [
    path("", views.roadmap_home, name="home"),
    path("districts/<int:pk>/", views.district_roadmap, name="district"),
    path("districts/<int:pk>/submit/", views.district_roadmap_submit, name="district-submit"),
    path("state/", views.state_roadmap, name="state"),
    path("state/actions/", views.state_actions, name="state-actions"),
]
