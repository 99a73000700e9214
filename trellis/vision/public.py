"""The statewide vision for the public, in English and Spanish: the published version, the draft
open for comment, and a comment form that needs no account (moderated before it shows, a few
comments an hour from one sender, a size limit and a field only automated senders fill in)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from trellis.tools.public import public_context
from trellis.vision import selectors, services
from trellis.vision.forms import CommentForm

#: A comment request larger than this is refused before it is read as a form (the comment itself
#: is limited to 3,000 characters).
MAX_COMMENT_REQUEST = 20_000


def vision(request: HttpRequest) -> HttpResponse:
    published = selectors.published_vision()
    draft = selectors.open_vision()
    if published is None and draft is None:
        raise Http404("No vision is published yet.")
    return render(request, "public/vision.html", public_context(
        request, version=published, draft=draft,
        comments=selectors.public_comments(published) if published else []))


def vision_draft(request: HttpRequest) -> HttpResponse:
    draft = selectors.open_vision()
    if draft is None:
        raise Http404("No draft is open for comment.")
    declared = request.META.get("CONTENT_LENGTH") or "0"
    oversized = request.method == "POST" and (not declared.isdigit() or int(declared) > MAX_COMMENT_REQUEST)
    form = CommentForm(request.POST if request.method == "POST" and not oversized else None, version=draft,
                       public=True)
    if request.method == "POST" and not oversized:
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.vision_comment_add(
                    actor=None, version=draft, body=data["body"], section=data["section"],
                    display_name=data.get("display_name", ""),
                    sender=services.public_sender(request.META.get("REMOTE_ADDR", "")))
            except ValidationError as exc:
                form.add_error(None, _comment_refusal(exc))
            else:
                return redirect(reverse("public-vision-draft") + "?sent=1#comments")
    return render(request, "public/vision_draft.html", public_context(
        request, version=draft, form=form, comments=selectors.public_comments(draft),
        sent=request.GET.get("sent") == "1",
        refusal=_("Your comment is too long. Please keep it under 3,000 characters.") if oversized else ""),
        status=400 if form.errors or oversized else 200)


def _comment_refusal(exc: ValidationError) -> str:
    codes = {getattr(e, "code", None) for e in getattr(exc, "error_list", [exc])}
    if "too_many" in codes:
        return _("You have sent several comments in the last hour. Please try again later.")
    if "closed" in codes:
        return _("The comment period for this draft has ended.")
    return _("We could not take your comment. Check it and try again.")
