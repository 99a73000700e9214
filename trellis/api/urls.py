from django.urls import path

from trellis.api import views
from trellis.api.api import api

urlpatterns = [
    path("v1/", api.urls),
    path("docs/", views.api_docs, name="api-docs"),
    path("tokens/", views.api_tokens, name="api-tokens"),
    path("tokens/<int:pk>/revoke/", views.api_token_revoke_view, name="api-token-revoke"),
]
