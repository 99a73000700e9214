from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from trellis.vision import selectors, services
from trellis.vision.forms import AnswerForm, CommentForm, OpenForCommentForm, SectionForm, VersionForm
from trellis.vision.models import VisionComment, VisionSection
from trellis.vision.permissions import can_comment_signed_in, can_edit_vision


def _editor(request: HttpRequest) -> None:
    if not can_edit_vision(request.user):
        raise PermissionDenied("Only the state AI lead can change the statewide vision.")


@login_required
def vision_home(request: HttpRequest) -> HttpResponse:
    return render(request, "vision/home.html", {
        "versions": selectors.versions_for(user=request.user), "can_edit": can_edit_vision(request.user),
    })


@login_required
@require_POST
def vision_start(request: HttpRequest) -> HttpResponse:
    _editor(request)
    version = services.vision_draft_start(actor=request.user)
    return redirect("vision:version", number=version.number)


@login_required
def vision_version(request: HttpRequest, number: int) -> HttpResponse:
    version = selectors.version_get(user=request.user, number=number)
    return render(request, "vision/version.html", _version_context(request, version))


def _version_context(request: HttpRequest, version: Any, **forms: Any) -> dict[str, Any]:
    editing = can_edit_vision(request.user) and version.editable
    sections = list(version.sections.all())
    return {
        "version": version, "editing": editing,
        "version_form": forms.get("version_form") or VersionForm(initial={
            "title": version.title, "introduction": version.introduction}),
        "section_forms": [(s, forms["section_form"] if forms.get("section_pk") == s.pk else SectionForm(
            prefix=f"s{s.pk}", initial={"heading": s.heading, "body": s.body})) for s in sections],
        "new_section_form": forms.get("new_section_form") or SectionForm(prefix="new"),
        "open_form": forms.get("open_form") or OpenForCommentForm(),
        "comments": selectors.comments_for(user=request.user, version=version),
        "answer_form": AnswerForm(),
        "comment_form": forms.get("comment_form") or CommentForm(version=version),
        "can_comment": version.status == "comment" and can_comment_signed_in(request.user),
        "previous": selectors.versions_for(user=request.user).filter(number__lt=version.number).first(),
    }


@login_required
@require_POST
def vision_edit(request: HttpRequest, number: int) -> HttpResponse:
    """One of the draft's forms: title and introduction, a section, a new section, or removal."""
    _editor(request)
    version = selectors.version_get(user=request.user, number=number)
    action = request.POST.get("action", "")
    try:
        if action == "version":
            form = VersionForm(request.POST)
            if not form.is_valid():
                return render(request, "vision/version.html", _version_context(request, version, version_form=form))
            services.vision_version_update(actor=request.user, version=version, **form.cleaned_data)
        elif action == "section":
            section = _section(version, request.POST.get("section"))
            form = SectionForm(request.POST, prefix=f"s{section.pk}")
            if not form.is_valid():
                return render(request, "vision/version.html", _version_context(
                    request, version, section_form=form, section_pk=section.pk))
            services.vision_section_save(actor=request.user, version=version, section=section, **form.cleaned_data)
        elif action == "new_section":
            form = SectionForm(request.POST, prefix="new")
            if not form.is_valid():
                return render(request, "vision/version.html", _version_context(
                    request, version, new_section_form=form))
            services.vision_section_save(actor=request.user, version=version, **form.cleaned_data)
        elif action == "remove_section":
            services.vision_section_remove(actor=request.user, section=_section(version, request.POST.get("section")))
        elif action == "open":
            form = OpenForCommentForm(request.POST)
            if not form.is_valid():
                return render(request, "vision/version.html", _version_context(request, version, open_form=form))
            services.vision_open_for_comment(actor=request.user, version=version,
                                             closes=form.cleaned_data["comment_closes"])
        elif action == "publish":
            services.vision_publish(actor=request.user, version=version)
        else:
            raise Http404("No such change.")
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "Saved.")
    return redirect("vision:version", number=version.number)


def _section(version: Any, pk: Any) -> VisionSection:
    section = version.sections.filter(pk=pk).first() if str(pk or "").isdigit() else None
    if section is None:
        raise Http404("No such section.")
    return section


@login_required
@require_POST
def vision_comment(request: HttpRequest, number: int) -> HttpResponse:
    version = selectors.version_get(user=request.user, number=number)
    form = CommentForm(request.POST, version=version)
    if form.is_valid():
        try:
            services.vision_comment_add(actor=request.user, version=version, body=form.cleaned_data["body"],
                                        section=form.cleaned_data["section"])
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "Your comment is posted.")
            return redirect("vision:version", number=version.number)
    return render(request, "vision/version.html", _version_context(request, version, comment_form=form))


@login_required
@require_POST
def vision_moderate(request: HttpRequest, number: int, pk: int) -> HttpResponse:
    _editor(request)
    version = selectors.version_get(user=request.user, number=number)
    comment = VisionComment.objects.filter(version=version, pk=pk).first()
    if comment is None:
        raise Http404("No such comment.")
    if "answer" in request.POST:
        form = AnswerForm(request.POST)
        if form.is_valid():
            services.vision_comment_answer(actor=request.user, comment=comment, answer=form.cleaned_data["answer"])
            messages.success(request, "Your answer is saved.")
        else:
            messages.error(request, "Write the answer before saving it.")
    else:
        services.vision_comment_moderate(actor=request.user, comment=comment, show=request.POST.get("show") == "1")
    return redirect("vision:version", number=version.number)


@login_required
def vision_compare(request: HttpRequest) -> HttpResponse:
    try:
        before = selectors.version_get(user=request.user, number=int(request.GET.get("before", "")))
        after = selectors.version_get(user=request.user, number=int(request.GET.get("after", "")))
    except ValueError as exc:
        raise Http404("Choose two versions to compare.") from exc
    return render(request, "vision/compare.html", {
        "before": before, "after": after, "changes": selectors.compare_versions(before, after)})
