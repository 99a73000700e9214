from django.urls import path

from trellis.vision import views

app_name = "vision"
urlpatterns = [
    path("", views.vision_home, name="home"),
    path("start/", views.vision_start, name="start"),
    path("compare/", views.vision_compare, name="compare"),
    path("<int:number>/", views.vision_version, name="version"),
    path("<int:number>/edit/", views.vision_edit, name="edit"),
    path("<int:number>/comment/", views.vision_comment, name="comment"),
    path("<int:number>/comments/<int:pk>/", views.vision_moderate, name="moderate"),
]
