from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from trellis.interop.case import package_json
from trellis.learning import selectors, services
from trellis.learning.forms import (
    CompetencyForm,
    CycleForm,
    CycleUpdateForm,
    FrameworkUploadForm,
    NewVersionForm,
    OfferingFilterForm,
    OfferingForm,
    ProposalAnswerForm,
    ProposalForm,
    ReflectionForm,
    SessionForm,
    SignInSheetForm,
    XapiUploadForm,
    rubric_levels_from,
)
from trellis.learning.models import CoachingCycle, Observation
from trellis.learning.permissions import (
    can_add_framework,
    can_change_framework,
    can_organize,
    can_see_xapi_imports,
    coaching_organizations,
    framework_owner_for,
    is_open_to,
    line_organizations,
    organizing_organizations,
)
from trellis.learning.rubrics import rubric_rows
from trellis.orgs import selectors as org_selectors


@login_required
def framework_list(request: HttpRequest) -> HttpResponse:
    services.framework_default()
    return render(request, "learning/framework_list.html", {
        "frameworks": selectors.framework_list_for(user=request.user),
        "can_add": can_add_framework(request.user),
    })


@login_required
def framework_detail(request: HttpRequest, identifier: str) -> HttpResponse:
    services.framework_default()
    framework = selectors.framework_get(user=request.user, identifier=identifier)
    return render(request, "learning/framework_detail.html", {
        "framework": framework,
        "tree": selectors.competency_tree(framework),
        "associations": framework.associations.exclude(association_type="isChildOf").count(),
        "can_add": can_add_framework(request.user),
        "can_change": not framework.is_published and can_change_framework(request.user, framework.owner),
        "version_form": NewVersionForm(),
    })


@login_required
def framework_export(request: HttpRequest, identifier: str) -> HttpResponse:
    framework = selectors.framework_get(user=request.user, identifier=identifier)
    response = HttpResponse(package_json(services.framework_package(framework)),
                            content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{framework.identifier}.json"'
    return response


@login_required
def framework_import_view(request: HttpRequest) -> HttpResponse:
    if not can_add_framework(request.user):
        raise PermissionDenied("Only the state AI lead or a district AI lead can add a framework.")
    form = FrameworkUploadForm(request.POST or None, request.FILES or None)
    refusal: list[str] = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["package"]
        try:
            result = services.framework_import(actor=request.user, data=upload.read(), source_name=upload.name)
        except services.FrameworkRefused as exc:
            refusal = [line.removeprefix("- ") for line in str(exc).splitlines()]
        else:
            if result.created:
                messages.success(request, f"Imported {result.framework.title}: {result.counts['items']} items, "
                                          f"{result.counts['associations']} associations.")
            else:
                messages.info(request, f"Trellis already had {result.framework.title}; nothing changed.")
            for warning in result.warnings[:20]:
                messages.warning(request, warning)
            return redirect("framework-detail", identifier=result.framework.identifier)
    return render(request, "learning/framework_import.html", {"form": form, "refusal": refusal},
                  status=400 if refusal else 200)


@login_required
@require_POST
def framework_new_version_view(request: HttpRequest, identifier: str) -> HttpResponse:
    framework = selectors.framework_get(user=request.user, identifier=identifier)
    form = NewVersionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Give the new version a name, for example 2027.")
        return redirect("framework-detail", identifier=identifier)
    draft = services.framework_new_version(actor=request.user, framework=framework,
                                           version=form.cleaned_data["version"])
    messages.success(request, f"Started version {draft.version}. Change what you need, then publish it.")
    return redirect("framework-detail", identifier=draft.identifier)


@login_required
@require_POST
def framework_publish_view(request: HttpRequest, identifier: str) -> HttpResponse:
    framework = selectors.framework_get(user=request.user, identifier=identifier)
    services.framework_publish(actor=request.user, framework=framework)
    messages.success(request, f"Published {framework.title} {framework.version}. It will not change from now on.")
    return redirect("framework-detail", identifier=identifier)


@login_required
def competency_edit(request: HttpRequest, identifier: str, pk: int) -> HttpResponse:
    framework = selectors.framework_get(user=request.user, identifier=identifier)
    competency = framework.competencies.filter(pk=pk).first()
    if competency is None:
        raise Http404("No such item.")
    if framework.is_published or not can_change_framework(request.user, framework.owner):
        raise PermissionDenied("Only a draft of a framework you manage can be changed.")
    form = CompetencyForm(request.POST or None, initial={
        "human_coding_scheme": competency.human_coding_scheme,
        "abbreviated_statement": competency.abbreviated_statement,
        "full_statement": competency.full_statement,
    })
    if request.method == "POST" and form.is_valid():
        services.competency_update(actor=request.user, competency=competency, **form.cleaned_data)
        messages.success(request, "Saved.")
        return redirect("framework-detail", identifier=identifier)
    return render(request, "learning/competency_edit.html",
                  {"framework": framework, "competency": competency, "form": form})


@login_required
def xapi_imports(request: HttpRequest) -> HttpResponse:
    if not can_see_xapi_imports(request.user):
        raise PermissionDenied("Learning records imports are for the state's staff and district AI leads.")
    scope = framework_owner_for(request.user)
    form = XapiUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        if scope is None:
            raise PermissionDenied("Only the state AI lead or a district AI lead can import learning records.")
        if form.is_valid():
            job = services.xapi_import_start(actor=request.user, upload=form.cleaned_data["statements"], scope=scope)
            return redirect("job-detail", pk=job.pk)
    return render(request, "learning/xapi_imports.html", {
        "imports": selectors.xapi_imports_for(user=request.user)[:50], "form": form, "scope": scope,
    })


@login_required
@require_POST
def xapi_place(request: HttpRequest) -> HttpResponse:
    scope = framework_owner_for(request.user)
    if scope is None:
        raise PermissionDenied("Only the state AI lead or a district AI lead can match learning records.")
    placed = services.xapi_place_again(actor=request.user, scope=scope)
    messages.success(request, f"Matched {placed:,} learning-system account{'s' if placed != 1 else ''} with staff.")
    return redirect("xapi-imports")


@login_required
def learning_record(request: HttpRequest) -> HttpResponse:
    registrations = list(selectors.registrations_of(user=request.user))
    return render(request, "learning/learning_record.html", {
        "record": selectors.learning_record_for(user=request.user),
        "registrations": registrations,
        "hours": sum(r.credit_hours for r in registrations),
    })


@login_required
def learning_home(request: HttpRequest) -> HttpResponse:
    return render(request, "learning/home.html", {
        "can_see_imports": can_see_xapi_imports(request.user),
        "default_framework": services.framework_default(),
    })


# Offerings ----------------------------------------------------------------------------------

@login_required
def offering_list(request: HttpRequest) -> HttpResponse:
    services.framework_default()
    competencies = selectors.framework_competencies_for(user=request.user)
    form = OfferingFilterForm(request.GET or None, competencies=competencies)
    filters = form.cleaned_data if form.is_valid() else {}
    offerings = selectors.offering_list_for(
        user=request.user, search=filters.get("search", ""), format=filters.get("format", ""),
        modality=filters.get("modality", ""), competency=filters.get("competency"))
    return render(request, "learning/offering_list.html", {
        "page": Paginator(offerings, 25).get_page(request.GET.get("page")), "filter_form": form,
        "can_add": bool(organizing_organizations(request.user)),
    })


@login_required
def offering_create(request: HttpRequest) -> HttpResponse:
    organizations = organizing_organizations(request.user)
    if not organizations:
        raise PermissionDenied("Only state, regional, district and school leaders can add offerings.")
    form = OfferingForm(request.POST or None, organizations=organizations,
                        competencies=selectors.framework_competencies_for(user=request.user))
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        organization = next(o for o in organizations if o.pk == data.pop("organization"))
        competencies = list(selectors.framework_competencies_for(user=request.user)
                            .filter(pk__in=data.pop("competencies")))
        offering = services.offering_create(actor=request.user, organization=organization,
                                            competencies=competencies, **data)
        messages.success(request, f"Added {offering.title}. Add its sessions next.")
        return redirect("offering-detail", pk=offering.pk)
    return render(request, "learning/offering_form.html", {"form": form})


@login_required
def offering_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _offering_page(request, selectors.offering_get(user=request.user, pk=pk), SessionForm())


def _offering_page(request: HttpRequest, offering: Any, session_form: SessionForm, status: int = 200) -> HttpResponse:
    organizer = can_organize(request.user, offering.organization)
    return render(request, "learning/offering_detail.html", {
        "offering": offering,
        "sessions": offering.sessions.all(),
        "competencies": offering.competencies.select_related("framework"),
        "registration": selectors.registration_of(user=request.user, offering=offering),
        "can_join": is_open_to(request.user, offering.organization) and offering.is_open,
        "organizer": organizer,
        "roster": selectors.offering_roster(offering=offering) if organizer else [],
        "session_form": session_form if organizer else None,
    }, status=status)


@login_required
@require_POST
def offering_join(request: HttpRequest, pk: int) -> HttpResponse:
    offering = selectors.offering_get(user=request.user, pk=pk)
    registration = services.registration_join(actor=request.user, offering=offering)
    if registration.status == registration.Status.WAITLISTED:
        messages.info(request, "The offering is full: you are on the waitlist and will be registered if a place opens.")
    else:
        messages.success(request, f"You are registered for {offering.title}.")
    return redirect("offering-detail", pk=pk)


@login_required
@require_POST
def offering_publish_view(request: HttpRequest, pk: int) -> HttpResponse:
    offering = selectors.offering_get(user=request.user, pk=pk)
    try:
        services.offering_publish(actor=request.user, offering=offering)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"{offering.title} is published: staff can now register.")
    return redirect("offering-detail", pk=pk)


@login_required
@require_POST
def offering_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    offering = selectors.offering_get(user=request.user, pk=pk)
    registration = selectors.registration_of(user=request.user, offering=offering)
    if registration is None:
        raise Http404("You are not registered for this offering.")
    services.registration_cancel(actor=request.user, registration=registration)
    messages.success(request, f"Your registration for {offering.title} is cancelled.")
    return redirect("offering-detail", pk=pk)


@login_required
@require_POST
def session_add_view(request: HttpRequest, pk: int) -> HttpResponse:
    offering = selectors.offering_get(user=request.user, pk=pk)
    if not can_organize(request.user, offering.organization):
        raise PermissionDenied("Only the organizers of this offering can add sessions.")
    form = SessionForm(request.POST)
    if form.is_valid():
        services.session_add(actor=request.user, offering=offering, **form.cleaned_data)
        messages.success(request, "Session added.")
        return redirect("offering-detail", pk=pk)
    return _offering_page(request, offering, form, status=400)


@login_required
def session_attendance(request: HttpRequest, pk: int, session_pk: int) -> HttpResponse:
    offering = selectors.offering_get(user=request.user, pk=pk)
    if not can_organize(request.user, offering.organization):
        raise PermissionDenied("Only the organizers of this offering can take attendance.")
    session = selectors.session_get(user=request.user, offering=offering, pk=session_pk)
    sheet_form = SignInSheetForm(request.POST or None, request.FILES or None)
    refusal: list[str] = []
    if request.method == "POST" and "sheet" in request.FILES:
        if sheet_form.is_valid():
            upload = sheet_form.cleaned_data["sheet"]
            try:
                sheet = services.attendance_upload(actor=request.user, session=session, data=upload.read(),
                                                   source_name=upload.name)
            except services.SignInSheetRefused as exc:
                refusal = [line.removeprefix("- ") for line in str(exc).splitlines()]
            else:
                for warning in sheet.warnings:
                    messages.warning(request, warning)
                messages.success(request, f"Recorded {len(sheet.present)} present from {upload.name}.")
                return redirect("session-attendance", pk=pk, session_pk=session_pk)
    elif request.method == "POST":
        present = {int(v) for v in request.POST.getlist("present") if v.isdigit()}
        count = services.attendance_record(actor=request.user, session=session, present=present)
        messages.success(request, f"Recorded attendance: {count} present.")
        return redirect("session-attendance", pk=pk, session_pk=session_pk)
    marked = dict(session.attendance.values_list("person_id", "present"))
    return render(request, "learning/session_attendance.html", {
        "offering": offering, "session": session, "sheet_form": sheet_form, "refusal": refusal,
        "roster": [(r, marked.get(r.person_id)) for r in selectors.offering_roster(offering=offering)
                   if r.status != r.Status.WAITLISTED],
    }, status=400 if refusal else 200)


@login_required
def certificate(request: HttpRequest, number: str) -> HttpResponse:
    registration = selectors.certificate_get(user=request.user, number=number)
    return render(request, "learning/certificate.html", {
        "registration": registration,
        "competencies": registration.offering.competencies.select_related("framework"),
    })


# Coaching, observation, self-assessment ---------------------------------------------------------

@login_required
def coaching_home(request: HttpRequest) -> HttpResponse:
    return render(request, "learning/coaching_list.html", {
        "cycles": selectors.cycles_for(user=request.user),
        "can_coach": bool(coaching_organizations(request.user)),
    })


@login_required
def cycle_create(request: HttpRequest) -> HttpResponse:
    if not coaching_organizations(request.user):
        raise PermissionDenied("Only coaches and school, district and regional leaders start coaching cycles.")
    teachers = list(selectors.coachable_teachers(user=request.user))
    default = services.framework_default()
    competencies = list(default.competencies.all())
    form = CycleForm(request.POST or None, teachers=teachers, competencies=competencies,
                     initial={"started_on": datetime.date.today()})
    if request.method == "POST" and form.is_valid():
        cycle = services.cycle_start(
            actor=request.user, teacher=next(t for t in teachers if t.pk == form.cleaned_data["teacher"]),
            competency=next(c for c in competencies if c.pk == form.cleaned_data["competency"]),
            goal=form.cleaned_data["goal"], started_on=form.cleaned_data["started_on"])
        messages.success(request, f"Started a coaching cycle with {cycle.teacher.full_name}.")
        return redirect("cycle-detail", pk=cycle.pk)
    return render(request, "learning/cycle_form.html", {"form": form})


@login_required
def cycle_detail(request: HttpRequest, pk: int) -> HttpResponse:
    cycle = selectors.cycle_get(user=request.user, pk=pk)
    is_coach = cycle.coach.user_id == request.user.pk
    is_teacher = cycle.teacher.user_id == request.user.pk
    if request.method == "POST" and (is_coach or is_teacher):
        form = (CycleUpdateForm(request.POST, stages=CoachingCycle.Stage.choices) if is_coach
                else ReflectionForm(request.POST))
        if form.is_valid():
            changes = form.cleaned_data if is_coach else {"reflection": form.cleaned_data["reflection"]}
            if is_coach:
                changes = {k: v for k, v in changes.items() if k != "reflection"}
            services.cycle_update(actor=request.user, cycle=cycle, **changes)
            messages.success(request, "Saved.")
            return redirect("cycle-detail", pk=pk)
    elif request.method == "POST":
        raise PermissionDenied("Only the coach and the teacher change a coaching cycle.")
    observations = list(selectors.observations_for(user=request.user, cycle=cycle))
    return render(request, "learning/cycle_detail.html", {
        "cycle": cycle, "is_coach": is_coach, "is_teacher": is_teacher, "observations": observations,
        "history": selectors.level_history([(o.observed_on, list(o.ratings.all())) for o in observations]),
        "update_form": CycleUpdateForm(initial={
            "stage": cycle.stage, "planning_notes": cycle.planning_notes, "feedback": cycle.feedback},
            stages=CoachingCycle.Stage.choices),
        "reflection_form": ReflectionForm(initial={"reflection": cycle.reflection}),
    })


@login_required
def observation_create(request: HttpRequest, pk: int) -> HttpResponse:
    cycle = selectors.cycle_get(user=request.user, pk=pk)
    if cycle.coach.user_id != request.user.pk:
        raise PermissionDenied("Only the cycle's coach records its observations.")
    framework = cycle.competency.framework
    rows = rubric_rows(framework)
    errors: list[str] = []
    if request.method == "POST":
        ratings, errors = rubric_levels_from(request.POST, rows)
        observed_on = request.POST.get("observed_on", "")
        try:
            day = datetime.date.fromisoformat(observed_on)
        except ValueError:
            errors.append("Give the date of the observation.")
        if not ratings:
            errors.append("Choose a level on at least one row of the rubric.")
        if not errors:
            services.observation_record(actor=request.user, teacher=cycle.teacher, framework=framework,
                                        observed_on=day, ratings=ratings, cycle=cycle,
                                        notes=request.POST.get("notes", ""),
                                        kind=request.POST.get("kind") or Observation.Kind.OBSERVATION)
            messages.success(request, "Observation recorded.")
            return redirect("cycle-detail", pk=pk)
    return render(request, "learning/observation_form.html", {
        "cycle": cycle, "rubric": _rubric_with_choices(rows, request.POST), "errors": errors, "data": request.POST,
        "kinds": Observation.Kind.choices, "today": datetime.date.today().isoformat(),
    }, status=400 if errors else 200)


def _rubric_with_choices(rows: list[Any], data: Any) -> list[tuple[Any, int | None]]:
    """Each rubric row with the level the person chose, so a refused form keeps their choices."""
    chosen = []
    for row in rows:
        value = data.get(f"level-{row.competency.pk}", "")
        chosen.append((row, int(value) if value.isdigit() else None))
    return chosen


@login_required
def self_assessment(request: HttpRequest) -> HttpResponse:
    framework = services.framework_default()
    rows = rubric_rows(framework)
    errors: list[str] = []
    if request.method == "POST":
        ratings, errors = rubric_levels_from(request.POST, rows)
        if not ratings and not errors:
            errors.append("Choose your level on at least one row.")
        if not errors:
            services.self_assessment_record(actor=request.user, framework=framework,
                                            assessed_on=datetime.date.today(), ratings=ratings)
            messages.success(request, "Your self-assessment is saved. Only you see your own answers.")
            return redirect("self-assessment")
    mine = list(selectors.self_assessments_of(user=request.user))
    return render(request, "learning/self_assessment.html", {
        "framework": framework, "rubric": _rubric_with_choices(rows, request.POST), "errors": errors,
        "assessments": mine, "min_n": settings.TRELLIS_MIN_N,
        "history": selectors.level_history([(a.assessed_on, list(a.ratings.all())) for a in mine]),
        "line": line_organizations(request.user),
    }, status=400 if errors else 200)


@login_required
def self_assessment_summary(request: HttpRequest, org_pk: int) -> HttpResponse:
    organization = org_selectors.organization_get(user=request.user, pk=org_pk)
    framework = services.framework_default()
    return render(request, "learning/self_assessment_summary.html", {
        "organization": organization, "framework": framework, "min_n": settings.TRELLIS_MIN_N,
        "rows": selectors.self_assessment_summary(user=request.user, organization=organization,
                                                  framework=framework),
    })


# Educator voice -----------------------------------------------------------------------------------

@login_required
def survey_list(request: HttpRequest) -> HttpResponse:
    organizations = organizing_organizations(request.user)
    if request.method == "POST":
        if not organizations:
            raise PermissionDenied("Only state, regional, district and school leaders create surveys.")
        organization = next((o for o in organizations if str(o.pk) == request.POST.get("organization")),
                            organizations[0])
        survey = services.survey_create(actor=request.user, organization=organization,
                                        template=request.POST.get("template", ""))
        messages.success(request, f"Created {survey.title}. Staff of {organization.name} can answer it now.")
        return redirect("survey-detail", pk=survey.pk)
    return render(request, "learning/survey_list.html", {
        "surveys": selectors.surveys_for(user=request.user), "organizations": organizations,
        "templates": [(key, spec["title"]) for key, spec in services.TEMPLATES.items()],
    })


@login_required
def survey_detail(request: HttpRequest, pk: int) -> HttpResponse:
    survey = selectors.survey_get(user=request.user, pk=pk)
    questions = list(survey.questions.all())
    error = ""
    if request.method == "POST":
        answers = {q.pk: request.POST.get(f"q-{q.pk}", "") for q in questions}
        try:
            services.survey_respond(actor=request.user, survey=survey, answers=answers)
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            messages.success(request, "Thank you. Your answers are recorded"
                             + (" without your name." if survey.is_anonymous else "."))
            return redirect("survey-detail", pk=pk)
    organizer = can_organize(request.user, survey.organization)
    return render(request, "learning/survey_detail.html", {
        "survey": survey, "error": error,
        "questions": [(q, request.POST.get(f"q-{q.pk}", ""), [str(n) for n in range(1, q.scale_max + 1)])
                      for q in questions],
        "answered": services.has_answered(actor=request.user, survey=survey),
        "can_answer": is_open_to(request.user, survey.organization) and survey.is_open,
        "organizer": organizer, "minimum": services.RESULTS_MIN_RESPONSES,
        "results": selectors.survey_results(user=request.user, survey=survey,
                                            minimum=services.RESULTS_MIN_RESPONSES) if organizer else None,
    }, status=400 if error else 200)


@login_required
def proposals(request: HttpRequest) -> HttpResponse:
    form = ProposalForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.proposal_create(actor=request.user, **form.cleaned_data)
        messages.success(request, "Thank you. Your proposal is sent; you will see the answer here.")
        return redirect("proposals")
    mine, received = [], []
    for proposal in selectors.proposals_for(user=request.user):
        (mine if proposal.person.user_id == request.user.pk else received).append(proposal)
    return render(request, "learning/proposals.html", {
        "form": form, "mine": mine, "received": received, "answer_form": ProposalAnswerForm(),
    }, status=400 if request.method == "POST" else 200)


@login_required
@require_POST
def proposal_answer_view(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = selectors.proposals_for(user=request.user).filter(pk=pk).first()
    if proposal is None:
        raise Http404("No such proposal.")
    form = ProposalAnswerForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose a decision and write your answer.")
        return redirect("proposals")
    services.proposal_answer(actor=request.user, proposal=proposal, **form.cleaned_data)
    messages.success(request, "Your answer is sent.")
    return redirect("proposals")
