from django.urls import path

from trellis.commons import public as commons_public
from trellis.tools import public
from trellis.vision import public as vision_public

urlpatterns = [
    path("public/", public.home, name="public-home"),
    path("public/districts/<int:pk>/", public.district, name="public-district"),
    path("public/schools/<int:pk>/", public.school, name="public-school"),
    path("public/schools/<int:pk>/opt-out/", public.opt_out, name="public-opt-out"),
    path("public/schools/<int:pk>/concern/", public.concern, name="public-concern"),
    path("public/thanks/", public.thanks, name="public-thanks"),
    path("public/status/", public.status, name="public-status"),
    path("public/vision/", vision_public.vision, name="public-vision"),
    path("public/vision/draft/", vision_public.vision_draft, name="public-vision-draft"),
    path("public/commons/", commons_public.commons, name="public-commons"),
    path("public/commons/<int:pk>/", commons_public.commons_item, name="public-commons-item"),
]
