from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from trellis.core import views as core_views
from trellis.orgs import views as orgs_views

urlpatterns = [
    path("", orgs_views.home, name="home"),
    path("", include("trellis.accounts.urls")),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("orgs/<int:pk>/", orgs_views.organization_detail, name="organization-detail"),
    path("orgs/<int:pk>/staff/", orgs_views.staff_list, name="staff-list"),
    path("orgs/<int:pk>/import/", orgs_views.roster_import, name="roster-import"),
    path("orgs/<int:pk>/import/<int:job_pk>/review/", orgs_views.roster_import_review, name="roster-import-confirm"),
    path("orgs/<int:pk>/roles/", orgs_views.organization_roles, name="organization-roles"),
    path("orgs/<int:pk>/roles/<int:membership_pk>/remove/", orgs_views.membership_remove_view,
         name="membership-remove"),
    path("learning/", include("trellis.learning.urls")),
    path("roadmap/", include("trellis.roadmap.urls")),
    path("commons/", include("trellis.commons.urls")),
    path("vision/", include("trellis.vision.urls")),
    path("insights/", include("trellis.insights.urls")),
    path("api/", include("trellis.api.urls")),
    path("recognition/", include("trellis.recognition.urls")),
    path("admin/", admin.site.urls),
    path("jobs/<int:pk>/", core_views.job_detail, name="job-detail"),
    path("logs/audit/", core_views.audit_log, name="audit-log"),
    path("logs/access/", core_views.access_log, name="access-log"),
]
urlpatterns += [path("", include("trellis.tools.urls")), path("", include("trellis.audits.urls"))]
# Public pages: English at /public/..., Spanish at /es/public/...
urlpatterns += i18n_patterns(path("", include("trellis.tools.public_urls")), prefix_default_language=False)


# Error pages: public ones (under /public/ and /es/) in the page's language.
handler403 = "trellis.tools.public.permission_denied"
handler404 = "trellis.tools.public.page_not_found"
handler500 = "trellis.tools.public.server_error"
