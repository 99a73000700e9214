from django.urls import path

from trellis.commons import public as commons_public
from trellis.recognition import public as recognition_public
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
    path("public/recognition/<int:pk>/", recognition_public.programme, name="public-badge-programme"),
    path("public/credentials/issuer/", recognition_public.issuer_profile, name="public-badge-issuer"),
    path("public/credentials/key/", recognition_public.issuer_key, name="public-badge-key"),
    path("public/credentials/verify/", recognition_public.verify, name="public-badge-verify"),
    path("public/credentials/<uuid:identifier>/", recognition_public.credential, name="public-badge"),
    path("public/credentials/<uuid:identifier>/credential.jwt", recognition_public.credential_token,
         name="public-badge-token"),
    path("public/credentials/<uuid:identifier>/status/", recognition_public.credential_status,
         name="public-badge-status"),
]
