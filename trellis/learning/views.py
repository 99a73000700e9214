from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from trellis.interop.case import package_json
from trellis.learning import selectors, services
from trellis.learning.forms import CompetencyForm, FrameworkUploadForm, NewVersionForm, XapiUploadForm
from trellis.learning.permissions import (
    can_add_framework,
    can_change_framework,
    can_see_xapi_imports,
    framework_owner_for,
)


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
    return render(request, "learning/learning_record.html",
                  {"record": selectors.learning_record_for(user=request.user)})


@login_required
def learning_home(request: HttpRequest) -> HttpResponse:
    return render(request, "learning/home.html", {
        "can_see_imports": can_see_xapi_imports(request.user),
        "default_framework": services.framework_default(),
    })
