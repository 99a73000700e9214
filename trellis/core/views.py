from __future__ import annotations

from typing import Any

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from trellis.core.auth import RateLimitedAuthenticationForm
from trellis.core.selectors import access_events_for, audit_events_for, job_get


class LoginView(auth_views.LoginView):
    form_class = RateLimitedAuthenticationForm
    redirect_authenticated_user = True


@login_required
def audit_log(request: HttpRequest) -> HttpResponse:
    page = Paginator(audit_events_for(user=request.user), 50).get_page(request.GET.get("page"))
    return render(request, "core/audit_log.html", {"page": page})


@login_required
def access_log(request: HttpRequest) -> HttpResponse:
    page = Paginator(access_events_for(user=request.user), 50).get_page(request.GET.get("page"))
    return render(request, "core/access_log.html", {"page": page})


@login_required
def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = job_get(user=request.user, pk=pk)
    template = "core/_job_progress.html" if request.headers.get("HX-Request") else "core/job_detail.html"
    return render(request, template, {"job": job})


class AdminLoginView(LoginView):
    """The admin's sign-in is Trellis's own, with the same limits. Someone already signed in
    without admin rights is told so, instead of being sent between the two pages."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.user.is_authenticated and not request.user.is_staff:
            raise PermissionDenied("Your account cannot open the administration pages.")
        return super().dispatch(request, *args, **kwargs)
