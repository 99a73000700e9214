"""Deployments and pilots, the scale gate, fairness audit uploads and results, and overrides."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from trellis.audits import forms as audit_forms
from trellis.audits import selectors, services
from trellis.audits.charts import METRIC_TITLES, audit_tables, group_chart
from trellis.audits.models import Finding
from trellis.audits.permissions import can_read_audit, can_run_audit
from trellis.core.services import UserFacingError
from trellis.orgs.models import Organization
from trellis.orgs.permissions import memberships_of
from trellis.tools import services as tool_services
from trellis.tools.models import Decision, Tool
from trellis.tools.permissions import can_govern
from trellis.tools.views import _district_get, _form_errors


def _staff_of(district: Organization) -> Any:
    return get_user_model().objects.filter(
        person__memberships__organization__path__startswith=district.path, person__is_active=True,
    ).distinct().select_related("person").order_by("person__family_name", "person__given_name")


@login_required
def deployment_list(request: HttpRequest, pk: int) -> HttpResponse:
    district = _district_get(request.user, pk)
    governs = can_govern(request.user, district)
    form = None
    if governs:
        allowed = Decision.objects.filter(district=district).values_list("tool_id", flat=True)
        form = audit_forms.DeploymentForm(request.POST or None, district=district,
                                          tools=Tool.objects.filter(pk__in=allowed).order_by("product"))
        if request.method == "POST" and form.is_valid():
            try:
                deployment = tool_services.deployment_create(actor=request.user, district=district,
                                                             **form.cleaned_data)
            except ValidationError as exc:
                _form_errors(form, exc)
            else:
                messages.success(request, f"The {deployment.get_stage_display().lower()} is recorded.")
                return redirect("deployment-detail", pk=deployment.pk)
    elif request.method == "POST":
        raise PermissionDenied("Only the district's AI lead deploys tools.")
    return render(request, "audits/deployment_list.html", {
        "district": district, "deployments": selectors.deployments_for(user=request.user, district=district),
        "form": form, "overrides": selectors.override_counts_for(user=request.user, district=district),
        "can_read_overrides": can_run_audit(request.user, district),
    })


@login_required
def deployment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    deployment = selectors.deployment_get(user=request.user, pk=pk)
    governs = can_govern(request.user, deployment.district)
    evaluation = audit_forms.EvaluationForm(initial={"evaluation": deployment.evaluation})
    if request.method == "POST":
        if not governs:
            raise PermissionDenied("Only the district's AI lead changes a deployment.")
        if "scale" in request.POST:
            gate = audit_forms.GateForm(request.POST)
            if gate.is_valid():
                review = services.deployment_scale(actor=request.user, deployment=deployment, **gate.cleaned_data)
                if review.passed:
                    messages.success(request, "The pilot passed the gate and is now in use at scale.")
                else:
                    messages.error(request, "The gate did not open: see what is missing below. This attempt is "
                                            "recorded.")
                return redirect("deployment-detail", pk=deployment.pk)
        else:
            evaluation = audit_forms.EvaluationForm(request.POST)
            if evaluation.is_valid():
                tool_services.pilot_evaluate(actor=request.user, deployment=deployment, **evaluation.cleaned_data)
                messages.success(request, "The evaluation is saved.")
                return redirect("deployment-detail", pk=deployment.pk)
    return render(request, "audits/deployment_detail.html", {
        "deployment": deployment, "governs": governs, "evaluation_form": evaluation,
        "gate_form": audit_forms.GateForm(), "checklist": services.gate_checklist(deployment),
        "audits": deployment.audits.all(), "gate_reviews": deployment.gate_reviews.select_related("reviewed_by"),
        "can_audit": can_run_audit(request.user, deployment.district),
    })


@login_required
def audit_upload(request: HttpRequest, pk: int) -> HttpResponse:
    deployment = selectors.deployment_get(user=request.user, pk=pk)
    if not can_run_audit(request.user, deployment.district):
        raise PermissionDenied("Only the district's AI lead or a state analyst runs audits.")
    form = audit_forms.AuditUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            audit = services.audit_upload_start(actor=request.user, deployment=deployment, **form.cleaned_data)
        except UserFacingError as exc:
            form.add_error("upload", str(exc))
        else:
            return redirect("job-detail", pk=audit.job_id)
    return render(request, "tools/form_page.html", {
        "form": form, "title": f"Audit {deployment.tool.product} on your students", "submit": "Start the audit",
        "multipart": True,
    })


@login_required
def audit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    audit = selectors.audit_get(user=request.user, pk=pk)
    governs = can_govern(request.user, audit.deployment.district)
    staff = _staff_of(audit.deployment.district)
    findings = [(f, audit_forms.FindingForm(prefix=f"f{f.pk}", staff=staff, initial={
        "response": f.response, "owner": f.owner_id, "due_on": f.due_on}) if governs else None)
        for f in audit.findings.select_related("owner__person")]
    tables = audit_tables(audit.published)
    return render(request, "audits/audit_detail.html", {
        "audit": audit, "findings": findings, "tables": tables, "metric_titles": METRIC_TITLES,
        "chart": group_chart(tables[0]) if tables else None,
        "overrides": audit_tables(audit.published.get("overrides", {})),
    })


@login_required
@require_POST
def finding_answer(request: HttpRequest, pk: int) -> HttpResponse:
    finding = get_object_or_404(Finding.objects.select_related("audit__deployment__district"), pk=pk)
    district = finding.audit.deployment.district
    if not can_read_audit(request.user, district):
        raise PermissionDenied("Not yours to answer.")
    form = audit_forms.FindingForm(request.POST, prefix=f"f{finding.pk}", staff=_staff_of(district))
    if form.is_valid():
        services.finding_answer(actor=request.user, finding=finding, **form.cleaned_data)
        messages.success(request, "The response is saved.")
    else:
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    return redirect("audit-detail", pk=finding.audit_id)


@login_required
def override_create(request: HttpRequest) -> HttpResponse:
    schools = [m.organization for m in memberships_of(request.user) if m.organization.kind == Organization.Kind.SCHOOL]
    if not schools:
        raise PermissionDenied("Overrides are recorded by school staff.")
    form = audit_forms.OverrideForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.override_record(actor=request.user, school=schools[0], **form.cleaned_data)
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, "Your override is recorded. Thank you: it tells the district how the tool does.")
            return redirect("override-create")
    return render(request, "tools/form_page.html", {"form": form, "title": "Record an override of an AI tool",
                                                     "submit": "Record the override"})


@login_required
def override_ledger(request: HttpRequest, pk: int) -> HttpResponse:
    district = _district_get(request.user, pk)
    return render(request, "audits/override_ledger.html", {
        "district": district, **selectors.override_ledger_for(user=request.user, district=district)})
