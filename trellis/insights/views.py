from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import Form
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from trellis.core.services import job_start
from trellis.insights import selectors
from trellis.insights.charts import bar_spec, spend_spec
from trellis.insights.forms import (
    AllocationForm,
    FeedbackForm,
    GoalForm,
    NarrativeForm,
    PlanForm,
    PlanLineForm,
    ReportStartForm,
    ResponseForm,
    ReviewForm,
    SpendingForm,
    SpendYearForm,
    StreamForm,
)
from trellis.insights.models import PlanGoal, Review
from trellis.insights.pdf import report_filename, report_pdf_path
from trellis.insights.permissions import can_edit_district, can_manage_funding, can_review, can_view_state
from trellis.insights.services import (
    allocation_set,
    feedback_respond,
    goal_feedback_add,
    plan_create,
    plan_goal_add,
    plan_line_add,
    plan_submit,
    report_review,
    report_save,
    report_start,
    report_submit,
    spending_record,
    stream_save,
)


def _post_form(request: HttpRequest, name: str, form_class: type[Form], **kwargs: Any) -> Form:
    """The form the person posted (bound, so it keeps what they typed) or a blank one."""
    posted = request.method == "POST" and request.POST.get("form") == name
    return form_class(request.POST if posted else None, prefix=name, **kwargs)


def _apply(form: Form, call: Any) -> bool:
    """Validate the form and call the service; errors from the service land on the form."""
    if not form.is_bound or not form.is_valid():
        return False
    try:
        call(form.cleaned_data)
    except ValidationError as exc:
        for field, errors in (exc.message_dict.items() if hasattr(exc, "error_dict") else [(None, exc.messages)]):
            form.add_error(field if field in form.fields else None, errors)
        return False
    return True


@login_required
def insights_home(request: HttpRequest) -> HttpResponse:
    """State staff land on the reports across the state; a district lead on the district's own."""
    if can_view_state(request.user):
        return redirect("insights:state-reports")
    own = selectors.own_district_for(user=request.user)
    if own is not None:
        return redirect("insights:district-reports", pk=own.pk)
    return redirect("insights:streams")


@login_required
def streams(request: HttpRequest) -> HttpResponse:
    return render(request, "insights/streams.html", {
        "streams": selectors.streams_list(user=request.user), "editable": can_manage_funding(request.user),
        "own": selectors.own_district_for(user=request.user), "state": can_view_state(request.user)})


@login_required
def stream_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    stream = selectors.stream_get(user=request.user, pk=pk) if pk is not None else None
    if not can_manage_funding(request.user):
        raise PermissionDenied("Only the state AI lead can change funding streams.")
    form = StreamForm(request.POST or None, instance=stream)
    if request.method == "POST" and form.is_valid():
        try:
            stream_save(actor=request.user, fields=form.cleaned_data, stream=stream)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "The funding stream is saved.")
            return redirect("insights:streams")
    return render(request, "insights/stream_form.html", {"form": form, "stream": stream})


@login_required
def district_funding(request: HttpRequest, pk: int) -> HttpResponse:
    district = selectors.district_get(user=request.user, pk=pk)
    editable, manages = can_edit_district(request.user, district), can_manage_funding(request.user)
    if request.method == "POST" and not (editable if request.POST.get("form") == "spend" else manages):
        raise PermissionDenied("You cannot change this district's funding.")
    offerings = selectors.offerings_for_district(district)
    spend = _post_form(request, "spend", SpendingForm, offerings=offerings)
    allocation = _post_form(request, "allocation", AllocationForm)
    if _apply(spend, lambda d: spending_record(actor=request.user, district=district, **d)):
        messages.success(request, "The spending is recorded.")
        return redirect("insights:district-funding", pk=district.pk)
    if _apply(allocation, lambda d: allocation_set(actor=request.user, district=district, **d)):
        messages.success(request, "The allocation is saved.")
        return redirect("insights:district-funding", pk=district.pk)
    return render(request, "insights/district_funding.html", {
        "district": district, "funding": selectors.district_funding(district=district),
        "spending": selectors.district_spending(district=district), "spend_form": spend,
        "allocation_form": allocation, "editable": editable, "manages": manages})


@login_required
def state_spend(request: HttpRequest) -> HttpResponse:
    years = selectors.spend_years()
    form = SpendYearForm(request.GET or None, years=years)
    year = form.cleaned_data.get("year") if form.is_valid() else None
    spend = selectors.state_spend_by_format(user=request.user, year=year or None)
    return render(request, "insights/state_spend.html", {"form": form, "spend": spend,
                                                         "chart": spend_spec(spend["rows"])})


@login_required
def district_plans(request: HttpRequest, pk: int) -> HttpResponse:
    district = selectors.district_get(user=request.user, pk=pk)
    editable = can_edit_district(request.user, district)
    if request.method == "POST" and not editable:
        raise PermissionDenied("Only the district's AI lead or the state AI lead writes its plan.")
    form = _post_form(request, "plan", PlanForm)
    created: list[Any] = []
    if _apply(form, lambda d: created.append(plan_create(actor=request.user, district=district, **d))):
        messages.success(request, "The plan is started. Add its goals and planned spend.")
        return redirect("insights:plan", pk=created[0].pk)
    return render(request, "insights/district_plans.html", {
        "district": district, "plans": selectors.plans_for(district=district), "form": form, "editable": editable})


@login_required
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    plan = selectors.plan_get(user=request.user, pk=pk)
    editable = can_edit_district(request.user, plan.district) and plan.status == Review.DRAFT
    if request.method == "POST" and not editable:
        raise PermissionDenied("Only the district's AI lead or the state AI lead changes a draft plan.")
    goal_form = _post_form(request, "goal", GoalForm)
    line_form = _post_form(request, "line", PlanLineForm, plan=plan,
                           offerings=selectors.offerings_for_district(plan.district))
    if _apply(goal_form, lambda d: plan_goal_add(actor=request.user, plan=plan, **d)):
        messages.success(request, "The goal is added.")
        return redirect("insights:plan", pk=plan.pk)
    if _apply(line_form, lambda d: plan_line_add(actor=request.user, plan=plan, **d)):
        messages.success(request, "The planned spend is added.")
        return redirect("insights:plan", pk=plan.pk)
    reviewer = can_review(request.user) and plan.status != Review.DRAFT
    return render(request, "insights/plan_detail.html", {
        "plan": plan, "budget": selectors.plan_budget(plan), "editable": editable, "reviewer": reviewer,
        "goal_form": goal_form, "line_form": line_form, "feedback_form": FeedbackForm(prefix="feedback")})


@login_required
@require_POST
def plan_submit_view(request: HttpRequest, pk: int) -> HttpResponse:
    plan = selectors.plan_get(user=request.user, pk=pk)
    try:
        plan_submit(actor=request.user, plan=plan)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "The plan is submitted. The state will answer each goal.")
    return redirect("insights:plan", pk=plan.pk)


@login_required
@require_POST
def goal_feedback(request: HttpRequest, pk: int) -> HttpResponse:
    goal = PlanGoal.objects.select_related("plan").filter(pk=pk).first()
    if goal is None:
        raise Http404("No such goal.")
    plan = selectors.plan_get(user=request.user, pk=goal.plan_id)
    form = FeedbackForm(request.POST, prefix="feedback")
    if not can_review(request.user):
        raise PermissionDenied("Only the state AI lead reviews plans.")
    if _apply(form, lambda d: goal_feedback_add(actor=request.user, goal=goal, body=d["body"])):
        messages.success(request, "The feedback is saved. The district sees it on the plan.")
        return redirect("insights:plan", pk=plan.pk)
    return render(request, "insights/plan_detail.html", {
        "plan": plan, "budget": selectors.plan_budget(plan), "editable": False, "reviewer": True,
        "feedback_form": FeedbackForm(prefix="feedback"), "failed_goal": goal.pk, "failed_form": form}, status=400)


@login_required
def district_reports(request: HttpRequest, pk: int) -> HttpResponse:
    district = selectors.district_get(user=request.user, pk=pk)
    editable = can_edit_district(request.user, district)
    if request.method == "POST" and not editable:
        raise PermissionDenied("Only the district's AI lead or the state AI lead writes its annual report.")
    form = _post_form(request, "start", ReportStartForm)
    started: list[Any] = []
    if _apply(form, lambda d: started.append(report_start(actor=request.user, district=district, year=d["year"]))):
        messages.success(request, "Trellis drafted the figures from the district's data. Add the narrative.")
        return redirect("insights:report", pk=started[0].pk)
    return render(request, "insights/district_reports.html", {
        "district": district, "reports": selectors.reports_for(district=district), "form": form,
        "editable": editable, "plans": selectors.plans_for(district=district)})


def _report_page(request: HttpRequest, report: Any, *, narrative: Form | None = None,
                 review: Form | None = None, response: tuple[int, Form] | None = None,
                 status: int = 200) -> HttpResponse:
    sections = list(report.sections.all())
    editable = can_edit_district(request.user, report.district) and report.is_draft
    reviewer = can_review(request.user) and not report.is_draft
    responder = can_edit_district(request.user, report.district) and not report.is_draft
    narrative = narrative or (NarrativeForm(sections=sections, prefix="narrative") if editable else None)
    review = review or (ReviewForm(sections=sections, prefix="review") if reviewer else None)
    for section in sections:
        for feedback in section.feedback.all():
            failed = response is not None and response[0] == feedback.pk
            feedback.form = response[1] if failed else ResponseForm(prefix=f"response-{feedback.pk}")
    items = [{"section": s, "spec": bar_spec(s.figures["chart"]) if s.figures.get("chart") else None,
              "chart_id": f"chart-{s.key}-spec",
              "narrative": narrative[s.key] if narrative is not None else None,
              "review": review.for_section(s.key) if review is not None else None} for s in sections]
    return render(request, "insights/report_detail.html", {
        "report": report, "items": items, "editable": editable, "reviewer": reviewer, "responder": responder,
        "narrative_form": narrative, "review_form": review,
        "history": selectors.reports_for(district=report.district)}, status=status)


@login_required
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    report = selectors.report_get(user=request.user, pk=pk)
    if request.method != "POST":
        return _report_page(request, report)
    if not (can_edit_district(request.user, report.district) and report.is_draft):
        raise PermissionDenied("Only the district's AI lead or the state AI lead changes a draft report.")
    form = NarrativeForm(request.POST, sections=list(report.sections.all()), prefix="narrative")
    refresh, submit = request.POST.get("refresh") == "1", request.POST.get("submit") == "1"
    if not _apply(form, lambda d: report_save(actor=request.user, report=report, narratives=d, refresh=refresh)):
        return _report_page(request, report, narrative=form, status=400)
    if submit:
        # What was typed is saved first, so a refused submission loses nothing.
        try:
            report_submit(actor=request.user, report=report)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages) + " The narrative you wrote is saved.")
            return redirect("insights:report", pk=report.pk)
        messages.success(request, "The report is submitted. It will not change from now on; the state will "
                                  "answer each section.")
    else:
        messages.success(request, "The figures are drafted again from today's data." if refresh
                         else "The report is saved as a draft.")
    return redirect("insights:report", pk=report.pk)


@login_required
@require_POST
def report_review_view(request: HttpRequest, pk: int) -> HttpResponse:
    report = selectors.report_get(user=request.user, pk=pk)
    if not can_review(request.user):
        raise PermissionDenied("Only the state AI lead reviews annual reports.")
    form = ReviewForm(request.POST, sections=list(report.sections.all()), prefix="review")
    if _apply(form, lambda d: report_review(actor=request.user, report=report, reviews=form.reviews())):
        messages.success(request, "The review is saved. The district sees it on its report.")
        return redirect("insights:report", pk=report.pk)
    return _report_page(request, report, review=form, status=400)


@login_required
@require_POST
def feedback_respond_view(request: HttpRequest, pk: int) -> HttpResponse:
    feedback = selectors.feedback_get(user=request.user, pk=pk)
    report = feedback.section.report
    if not can_edit_district(request.user, report.district):
        raise PermissionDenied("Only the district's AI lead or the state AI lead answers the state's feedback.")
    form = ResponseForm(request.POST, prefix=f"response-{feedback.pk}")
    if _apply(form, lambda d: feedback_respond(actor=request.user, feedback=feedback, response=d["response"])):
        messages.success(request, "The response is saved.")
        return redirect("insights:report", pk=report.pk)
    return _report_page(request, selectors.report_get(user=request.user, pk=report.pk),
                        response=(feedback.pk, form), status=400)


@login_required
def report_pdf_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The current PDF of the report when it is drawn; otherwise drawing starts as a background job
    (it takes seconds) and the person follows its progress, then comes back here."""
    report = selectors.report_get(user=request.user, pk=pk)
    path = report_pdf_path(report)
    if path.exists():
        return FileResponse(path.open("rb"), content_type="application/pdf", as_attachment=False,
                            filename=report_filename(report))
    job = job_start(actor=request.user, kind="report_pdf", title=f"PDF of {report}",
                    organization_id=report.district_id, params={"report": report.pk})
    return redirect("job-detail", pk=job.pk)


@login_required
def state_reports(request: HttpRequest) -> HttpResponse:
    return render(request, "insights/state_reports.html", {
        "reports": selectors.reports_waiting(user=request.user), "plans": selectors.plans_waiting(user=request.user),
        "reviewer": can_review(request.user)})
