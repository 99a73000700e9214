"""Staff pages of tool governance: the catalog, inventories, requests, reviews, decisions,
agreements, incidents and opt-out requests."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from trellis.core.services import UserFacingError
from trellis.orgs.models import Organization
from trellis.orgs.permissions import visible_organizations_q
from trellis.orgs.selectors import organization_get
from trellis.tools import forms as tool_forms
from trellis.tools import permissions as perm
from trellis.tools import selectors, services
from trellis.tools.rubric import criteria_by_area, rubric_current
from trellis.tools.vocabulary import AIFunction


def _form_errors(form: Any, exc: ValidationError) -> None:
    """Put a service's validation errors on the form, so the person sees them beside what they typed."""
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def _listing(request: HttpRequest, rows: Any, template: str) -> HttpResponse:
    return render(request, template, {"page": Paginator(rows, 50).get_page(request.GET.get("page"))})


def _district_get(user: Any, pk: int) -> Organization:
    district = organization_get(user=user, pk=pk)
    if district.kind != Organization.Kind.DISTRICT:
        raise Http404("Not a district.")
    return district


@login_required
def tool_list(request: HttpRequest) -> HttpResponse:
    search, function = request.GET.get("search", "")[:100], request.GET.get("function", "")
    if function not in AIFunction.values:
        function = ""
    if not perm.memberships_of(request.user):
        raise PermissionDenied("You need a role to see the catalog.")
    tools = selectors.tool_list(search=search, function=function)
    return render(request, "tools/tool_list.html", {
        "page": Paginator(tools, 50).get_page(request.GET.get("page")), "search": search, "function": function,
        "functions": AIFunction.choices, "can_add": perm.can_add_tool(request.user),
        "districts": selectors.governed_districts(request.user)[:20],
    })


def _form_page(request: HttpRequest, form: Any, *, save: Callable[..., Any], success: Callable[[Any], str],
               then: Callable[[Any], HttpResponse], title: str, submit: str) -> HttpResponse:
    """A page of one form: a valid form goes to ``save``; a refusal keeps what was typed."""
    if request.method == "POST" and form.is_valid():
        try:
            saved = save(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, success(saved))
            return then(saved)
    return render(request, "tools/form_page.html", {"form": form, "title": title, "submit": submit})


@login_required
def tool_create(request: HttpRequest) -> HttpResponse:
    if not perm.can_add_tool(request.user):
        raise PermissionDenied("Only the state or a district AI lead adds tools.")
    return _form_page(request, tool_forms.ToolForm(request.POST or None), save=services.tool_create,
                      success=lambda tool: f"Added {tool.product} to the catalog.",
                      then=lambda tool: redirect("tool-detail", pk=tool.pk),
                      title="Add a tool to the state catalog", submit="Add the tool")


@login_required
def tool_edit(request: HttpRequest, pk: int) -> HttpResponse:
    tool = selectors.tool_get(user=request.user, pk=pk)
    if not perm.can_edit_tool(request.user):
        raise PermissionDenied("Only the state lead changes the state catalog.")
    form = tool_forms.ToolForm(request.POST or None,
                               initial={name: getattr(tool, name) for name in services.TOOL_FIELDS})
    return _form_page(request, form, save=partial(services.tool_update, tool=tool),
                      success=lambda saved: f"The catalog entry for {saved.product} is saved.",
                      then=lambda saved: redirect("tool-detail", pk=saved.pk),
                      title=f"Change {tool.product} in the catalog", submit="Save the changes")


@login_required
def tool_detail(request: HttpRequest, pk: int) -> HttpResponse:
    tool = selectors.tool_get(user=request.user, pk=pk)
    districts = selectors.governed_districts(request.user)
    standings = [(d, selectors.standing_for(district=d, tool=tool)) for d in districts[:50]]
    reviews = selectors.reviews_for(user=request.user).filter(tool=tool, status="submitted")
    state = Organization.objects.filter(kind=Organization.Kind.STATE).first()
    return render(request, "tools/tool_detail.html", {
        "tool": tool, "standings": standings, "reviews": reviews,
        "request_schools": _request_schools(request.user).exists(),
        "state": state if state and perm.is_state_lead(request.user) else None,
        "can_edit": perm.can_edit_tool(request.user),
    })


def _request_schools(user: Any) -> Any:
    schools = Organization.objects.filter(visible_organizations_q(user), kind=Organization.Kind.SCHOOL,
                                          is_active=True).select_related("parent")
    allowed = [s.pk for s in schools if perm.can_request_tool(user, s)]
    return Organization.objects.filter(pk__in=allowed).order_by("name")


@login_required
def request_create(request: HttpRequest, pk: int) -> HttpResponse:
    tool = selectors.tool_get(user=request.user, pk=pk)
    schools = _request_schools(request.user)
    if not schools.exists():
        raise PermissionDenied("Only school staff request tools for their school.")
    return _form_page(request, tool_forms.RequestForm(request.POST or None, schools=schools),
                      save=partial(services.request_create, tool=tool),
                      success=lambda _: f"Your request for {tool.product} went to your district.",
                      then=lambda saved: redirect("tool-request-detail", pk=saved.pk),
                      title=f"Request {tool.product} for your school", submit="Send the request")


@login_required
def request_list(request: HttpRequest) -> HttpResponse:
    return _listing(request, selectors.requests_for(user=request.user), "tools/request_list.html")


@login_required
def request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    tool_request = selectors.request_get(user=request.user, pk=pk)
    district = tool_request.district
    can_govern = perm.can_govern(request.user, district)
    form = None
    if can_govern:
        staff = get_user_model().objects.filter(
            person__memberships__organization__path__startswith=district.path, person__is_active=True,
        ).distinct().select_related("person").order_by("person__family_name", "person__given_name")
        form = tool_forms.RouteForm(request.POST or None, staff=staff)
        if request.method == "POST" and form.is_valid():
            chosen = {step: user for step, user in form.cleaned_data.items() if user}
            try:
                services.request_route(actor=request.user, tool_request=tool_request, reviewers=chosen)
            except ValidationError as exc:
                _form_errors(form, exc)
            else:
                messages.success(request, "The request went to its reviewers.")
                return redirect("tool-request-detail", pk=tool_request.pk)
    elif request.method == "POST":
        raise PermissionDenied("Only the district's AI lead routes requests.")
    return render(request, "tools/request_detail.html", {
        "tool_request": tool_request, "reviews": tool_request.reviews.select_related("reviewer", "rubric"),
        "form": form, "can_govern": can_govern,
    })


@login_required
def review_detail(request: HttpRequest, pk: int) -> HttpResponse:
    review = selectors.review_get(user=request.user, pk=pk)
    criteria = services.review_criteria(review)
    editable = services.can_edit_review(request.user, review)
    form = None
    if editable:
        initial: dict[str, Any] = {"summary": review.summary}
        for rating in review.ratings.all():
            initial |= {f"rating_{rating.criterion_id}": rating.rating, f"note_{rating.criterion_id}": rating.note,
                        f"evidence_url_{rating.criterion_id}": rating.evidence_url}
        form = tool_forms.ReviewForm(request.POST or None, initial=initial, criteria=criteria)
        if request.method == "POST" and form.is_valid():
            submit = "send" in request.POST
            try:
                services.review_rate(actor=request.user, review=review, ratings=form.ratings(),
                                     summary=form.cleaned_data["summary"], submit=submit)
            except ValidationError as exc:
                _form_errors(form, exc)
            else:
                messages.success(request, "The review was sent." if submit else "Your ratings are saved.")
                return redirect("review-detail", pk=review.pk)
    elif request.method == "POST":
        raise PermissionDenied("Only the assigned reviewer changes a review before it is sent.")
    ratings = {r.criterion_id: r for r in review.ratings.all()}
    return render(request, "tools/review_detail.html", {
        "review": review, "form": form, "rows": [(c, ratings.get(c.pk)) for c in criteria],
        "can_publish": perm.is_state_lead(request.user) and review.organization.kind == Organization.Kind.STATE
        and review.status == "submitted" and not review.is_published,
    })


@login_required
@require_POST
def review_publish(request: HttpRequest, pk: int) -> HttpResponse:
    review = selectors.review_get(user=request.user, pk=pk)
    try:
        services.review_publish(actor=request.user, review=review)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "The review is published to every district.")
    return redirect("review-detail", pk=review.pk)


@login_required
def review_start(request: HttpRequest, pk: int, org_pk: int) -> HttpResponse:
    """Start a full review for the state or a district, from scratch or from another's review."""
    tool = selectors.tool_get(user=request.user, pk=pk)
    organization = organization_get(user=request.user, pk=org_pk)
    allowed = perm.is_state_lead(request.user) if organization.kind == Organization.Kind.STATE else perm.can_govern(
        request.user, organization)
    if not allowed:
        raise PermissionDenied("Only the state AI lead or the district's AI lead starts a full review.")
    adoptable = selectors.adoptable_reviews(user=request.user, tool=tool, organization=organization)
    if request.method == "POST":
        source = adoptable.filter(pk=request.POST.get("adopt") or 0).first()
        review = services.review_start(actor=request.user, tool=tool, organization=organization, adopt=source)
        return redirect("review-detail", pk=review.pk)
    return render(request, "tools/review_start.html", {"tool": tool, "organization": organization,
                                                        "adoptable": adoptable, "rubric": rubric_current()})


@login_required
def inventory(request: HttpRequest, pk: int) -> HttpResponse:
    district = _district_get(request.user, pk)
    can_govern = perm.can_govern(request.user, district)
    return render(request, "tools/inventory.html", {
        "district": district, "rows": selectors.inventory_for(user=request.user, district=district),
        "alerts": selectors.district_alerts(user=request.user, district=district), "can_govern": can_govern,
        "requests": selectors.requests_for(user=request.user).filter(school__parent=district)[:20]
        if can_govern else [],
    })


@login_required
def inventory_add(request: HttpRequest, pk: int) -> HttpResponse:
    district = _district_get(request.user, pk)
    if not perm.can_govern(request.user, district):
        raise PermissionDenied("Only the district's AI lead keeps its inventory.")
    form = tool_forms.InventoryForm(request.POST or None, district=district,
                                    initial={"tool": request.GET.get("tool")})
    if request.method == "POST" and form.is_valid():
        try:
            services.inventory_save(actor=request.user, district=district, **form.cleaned_data)
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, "The inventory is updated.")
            return redirect("tool-inventory", pk=district.pk)
    return render(request, "tools/form_page.html", {"form": form, "title": f"Add a tool to {district}'s inventory",
                                                     "submit": "Save"})


@login_required
def decision_create(request: HttpRequest, pk: int, tool_pk: int) -> HttpResponse:
    district = _district_get(request.user, pk)
    tool = selectors.tool_get(user=request.user, pk=tool_pk)
    if not perm.can_govern(request.user, district):
        raise PermissionDenied("Only the district's AI lead decides.")
    tool_request = selectors.requests_for(user=request.user).filter(
        pk=request.GET.get("request") or request.POST.get("request") or 0, tool=tool).first()
    form = tool_forms.DecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.decision_record(actor=request.user, district=district, tool=tool, tool_request=tool_request,
                                     **form.cleaned_data)
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, f"The decision on {tool.product} is recorded.")
            return redirect("tool-detail", pk=tool.pk)
    standing = selectors.standing_for(district=district, tool=tool)
    return render(request, "tools/form_page.html", {
        "form": form, "title": f"Decide on {tool.product} for {district}", "submit": "Record the decision",
        "hidden": {"request": tool_request.pk} if tool_request else {}, "standing": standing,
    })


@login_required
def agreement_create(request: HttpRequest, pk: int, tool_pk: int) -> HttpResponse:
    district = _district_get(request.user, pk)
    tool = selectors.tool_get(user=request.user, pk=tool_pk)
    if not perm.can_govern(request.user, district):
        raise PermissionDenied("Only the district's AI lead adds agreements.")
    form = tool_forms.AgreementForm(request.POST or None, request.FILES or None,
                                    joinable=selectors.joinable_agreements(tool=tool, district=district))
    if request.method == "POST" and form.is_valid():
        try:
            services.agreement_add(actor=request.user, district=district, tool=tool, **form.cleaned_data)
        except UserFacingError as exc:
            form.add_error("upload", str(exc))
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, f"The agreement for {tool.product} is on file.")
            return redirect("tool-detail", pk=tool.pk)
    return render(request, "tools/form_page.html", {
        "form": form, "title": f"Data privacy agreement for {tool.product} in {district}",
        "submit": "Save the agreement", "multipart": True,
    })


@login_required
def agreement_file(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = selectors.Agreement.objects.filter(pk=pk).select_related("district", "piggyback_of").first()
    if agreement is None or not perm.can_govern(request.user, agreement.district):
        raise Http404("Not found.")
    path = services.agreement_file_path(agreement)
    if path is None or not path.exists():
        raise Http404("The file is not on this server.")
    source = agreement.piggyback_of or agreement
    return FileResponse(path.open("rb"), content_type="application/pdf", as_attachment=True,
                        filename=source.original_name or "agreement.pdf")


@login_required
def rubric_detail(request: HttpRequest) -> HttpResponse:
    if not perm.memberships_of(request.user):
        raise PermissionDenied("You need a role to see the rubric.")
    rubric = rubric_current()
    return render(request, "tools/rubric.html", {"rubric": rubric, "criteria": criteria_by_area(rubric),
                                                  "can_publish": perm.is_state_lead(request.user)})


@login_required
def rubric_publish(request: HttpRequest) -> HttpResponse:
    if not perm.is_state_lead(request.user):
        raise PermissionDenied("Only the state AI lead publishes the rubric.")
    current = rubric_current()
    text = "\n".join(f"{c.area}: {c.text}" for c in criteria_by_area(current))
    form = tool_forms.RubricForm(request.POST or None, initial={"criteria": text})
    if request.method == "POST" and form.is_valid():
        try:
            rubric = services.rubric_publish(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, f"Rubric version {rubric.number} is published. Reviews already started "
                                      "keep their version.")
            return redirect("rubric")
    return render(request, "tools/form_page.html", {"form": form, "title": "Publish a new rubric version",
                                                     "submit": "Publish"})


@login_required
def incident_list(request: HttpRequest) -> HttpResponse:
    return _listing(request, selectors.incidents_for(user=request.user), "tools/incident_list.html")


@login_required
def incident_create(request: HttpRequest) -> HttpResponse:
    organization = perm.memberships_of(request.user)[0].organization if perm.memberships_of(request.user) else None
    if organization is None or organization.kind not in (Organization.Kind.SCHOOL, Organization.Kind.DISTRICT):
        raise PermissionDenied("Incidents are reported by staff of a school or district.")
    form = tool_forms.StaffIncidentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            incident = services.incident_report(actor=request.user, organization=organization, **form.cleaned_data)
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, f"Your report {incident.reference} went to the district.")
            return redirect("incident-list")
    return render(request, "tools/form_page.html", {"form": form, "title": f"Report an incident at {organization}",
                                                     "submit": "Send the report"})


@login_required
def incident_detail(request: HttpRequest, pk: int) -> HttpResponse:
    incident = selectors.incident_get(user=request.user, pk=pk)
    can_triage = perm.can_govern(request.user, incident.district)
    form = tool_forms.TriageForm(request.POST or None, initial={
        "status": incident.status, "severity": incident.severity, "action_taken": incident.action_taken})
    if request.method == "POST":
        if not can_triage:
            raise PermissionDenied("Only the district's AI lead triages incidents.")
        if form.is_valid():
            try:
                services.incident_triage(actor=request.user, incident=incident, **form.cleaned_data)
            except ValidationError as exc:
                incident.refresh_from_db()
                _form_errors(form, exc)
            else:
                messages.success(request, "The incident is updated.")
                return redirect("incident-detail", pk=incident.pk)
    return render(request, "tools/incident_detail.html", {
        "incident": incident, "form": form if can_triage else None,
        "show_reporter": selectors.can_see_reporter(request.user, incident),
    })


@login_required
def opt_out_list(request: HttpRequest) -> HttpResponse:
    return _listing(request, selectors.opt_outs_for(user=request.user), "tools/opt_out_list.html")


@login_required
def opt_out_detail(request: HttpRequest, pk: int) -> HttpResponse:
    opt_out = selectors.opt_out_get(user=request.user, pk=pk)
    form = tool_forms.AnswerForm(request.POST or None, initial={"answer": opt_out.answer})
    if request.method == "POST" and form.is_valid():
        try:
            services.opt_out_answer(actor=request.user, opt_out=opt_out, answer=form.cleaned_data["answer"])
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, f"Request {opt_out.reference} is answered.")
            return redirect("opt-out-list")
    return render(request, "tools/opt_out_detail.html", {"opt_out": opt_out, "form": form})
