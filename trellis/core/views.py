from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from trellis.core.selectors import access_events_for, audit_events_for, job_get
from trellis.core.services import job_again_url


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
    return render(request, template, {"job": job, "again_url": job_again_url(job)})

