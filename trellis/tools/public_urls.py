from django.urls import path

from trellis.tools import public

urlpatterns = [
    path("public/", public.home, name="public-home"),
    path("public/districts/<int:pk>/", public.district, name="public-district"),
    path("public/schools/<int:pk>/", public.school, name="public-school"),
    path("public/schools/<int:pk>/opt-out/", public.opt_out, name="public-opt-out"),
    path("public/schools/<int:pk>/concern/", public.concern, name="public-concern"),
    path("public/thanks/", public.thanks, name="public-thanks"),
    path("public/status/", public.status, name="public-status"),
]
