from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from trellis.core import views as core_views
from trellis.orgs import views as orgs_views

urlpatterns = [
    path("", orgs_views.home, name="home"),
    path("login/", core_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("orgs/<int:pk>/", orgs_views.organization_detail, name="organization-detail"),
    path("orgs/<int:pk>/staff/", orgs_views.staff_list, name="staff-list"),
    path("orgs/<int:pk>/import/", orgs_views.roster_import, name="roster-import"),
    path("roadmap/", include("trellis.roadmap.urls")),
    path("commons/", include("trellis.commons.urls")),
    path("vision/", include("trellis.vision.urls")),
    path("admin/", admin.site.urls),
    path("jobs/<int:pk>/", core_views.job_detail, name="job-detail"),
    path("logs/audit/", core_views.audit_log, name="audit-log"),
    path("logs/access/", core_views.access_log, name="access-log"),
]
