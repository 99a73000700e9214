from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from trellis.recognition import selectors, services
from trellis.recognition.forms import ApplicationForm, DecisionForm, ProgrammeForm, ScoreForm
from trellis.recognition.permissions import applying_organizations, can_review, can_run_programmes


@login_required
def programme_list(request: HttpRequest) -> HttpResponse:
    form = ProgrammeForm(request.POST or None)
    if request.method == "POST":
        if not can_run_programmes(request.user):
            raise PermissionDenied("Only the state AI lead runs recognition programmes.")
        if form.is_valid():
            try:
                programme = services.programme_create(
                    actor=request.user, title=form.cleaned_data["title"], description=form.cleaned_data["description"],
                    criteria=form.criteria_list(), pass_mark=form.cleaned_data["pass_mark"],
                    valid_months=form.cleaned_data["valid_months"])
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, "The programme is open and its criteria are published.")
                return redirect("recognition:programme", pk=programme.pk)
    return render(request, "recognition/programmes.html", {
        "programmes": selectors.programmes(), "form": form if can_run_programmes(request.user) else None,
    }, status=400 if form.errors else 200)


def _organization_choice(request: HttpRequest) -> object | None:
    organizations = applying_organizations(request.user)
    wanted = request.POST.get("organization") or request.GET.get("organization")
    if not wanted:
        return organizations[0] if organizations else None
    chosen = next((o for o in organizations if str(o.pk) == wanted), None)
    if chosen is None:
        raise PermissionDenied("Only a district's AI lead or a school's leader applies for it.")
    return chosen


@login_required
def programme_detail(request: HttpRequest, pk: int) -> HttpResponse:
    programme = selectors.programme_get(pk=pk)
    organization = _organization_choice(request)
    form = None
    if organization is not None and programme.status == "open":
        form = ApplicationForm(request.POST if request.method == "POST" else None,
                               options=selectors.evidence_options(organization))
    if request.method == "POST":
        if form is None:
            raise PermissionDenied("Only a district's AI lead or a school's leader applies for it.")
        if form.is_valid():
            try:
                application = services.application_submit(
                    actor=request.user, programme=programme, organization=organization,
                    statement=form.cleaned_data["statement"], evidence=form.cleaned_data["evidence"])
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, "Your application is sent. The state's reviewers will score it.")
                return redirect("recognition:application", pk=application.pk)
    return render(request, "recognition/programme.html", {
        "programme": programme, "form": form, "organization": organization,
        "organizations": applying_organizations(request.user),
        "applications": selectors.applications_for(user=request.user, programme=programme),
        "can_review": can_review(request.user),
    }, status=400 if form is not None and form.errors else 200)


@login_required
def application_detail(request: HttpRequest, pk: int) -> HttpResponse:
    application = selectors.application_get(user=request.user, pk=pk)
    reviewer = can_review(request.user)
    return render(request, "recognition/application.html", {
        "application": application, "total": services.application_total(application),
        "scores": application.scores.select_related("reviewer") if reviewer else [],
        "score_form": ScoreForm(programme=application.programme) if reviewer and application.status == "submitted"
        else None,
        "decision_form": DecisionForm() if can_run_programmes(request.user) and application.status == "submitted"
        else None,
        "credential": getattr(application, "credential", None) if application.status == "awarded" else None,
    })


@login_required
@require_POST
def application_score(request: HttpRequest, pk: int) -> HttpResponse:
    application = selectors.application_get(user=request.user, pk=pk)
    if not can_review(request.user):
        raise PermissionDenied("Only the state's reviewers score applications.")
    form = ScoreForm(request.POST, programme=application.programme)
    if form.is_valid():
        try:
            services.application_score(actor=request.user, application=application,
                                       scores=form.scores(application.programme))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, "Your scores are saved.")
    else:
        messages.error(request, "Score every criterion from 0 to 4.")
    return redirect("recognition:application", pk=application.pk)


@login_required
@require_POST
def application_decide(request: HttpRequest, pk: int) -> HttpResponse:
    application = selectors.application_get(user=request.user, pk=pk)
    if not can_run_programmes(request.user):
        raise PermissionDenied("Only the state AI lead decides on applications.")
    form = DecisionForm(request.POST)
    if not form.is_valid():
        raise Http404("No such decision.")
    try:
        services.application_decide(actor=request.user, application=application,
                                    award=form.cleaned_data["decision"] == "award", note=form.cleaned_data["note"])
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "The decision is recorded." if form.cleaned_data["decision"] != "award"
                         else "Recognised. The credential is issued and the badge shows on the public pages.")
    return redirect("recognition:application", pk=application.pk)
