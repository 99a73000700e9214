from django.urls import path

from trellis.commons import views

app_name = "commons"
urlpatterns = [
    path("", views.commons_search, name="search"),
    path("new/", views.commons_item_new, name="new"),
    path("mine/", views.commons_mine, name="mine"),
    path("review/", views.commons_review_queue, name="review-queue"),
    path("<int:pk>/", views.commons_item_detail, name="item"),
    path("<int:pk>/edit/", views.commons_item_edit, name="edit"),
    path("<int:pk>/review/", views.commons_item_review, name="review"),
    path("<int:pk>/adopt/", views.commons_item_adopt_view, name="adopt"),
]
