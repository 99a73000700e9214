"""Reads of the statewide vision: the published and open versions, comments, and what changed."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from trellis.vision.models import VisionComment, VisionSection, VisionVersion
from trellis.vision.permissions import can_edit_vision, can_read_drafts


def published_vision() -> VisionVersion | None:
    return VisionVersion.objects.filter(status=VisionVersion.Status.PUBLISHED).prefetch_related("sections").first()


def open_vision() -> VisionVersion | None:
    """The version open for public comment, if any."""
    return VisionVersion.objects.filter(status=VisionVersion.Status.COMMENT).prefetch_related("sections").first()


def versions_for(*, user: Any) -> QuerySet[VisionVersion]:
    versions = VisionVersion.objects.all()
    if not can_read_drafts(user):
        versions = versions.exclude(status=VisionVersion.Status.DRAFT)
    return versions


def version_get(*, user: Any, number: int) -> VisionVersion:
    version = versions_for(user=user).filter(number=number).prefetch_related("sections").first()
    if version is None:
        raise Http404("No such version.")
    return version


def comments_for(*, user: Any, version: VisionVersion) -> QuerySet[VisionComment]:
    """Every comment for the state lead (to moderate and answer); shown ones for everyone else."""
    comments = version.comments.select_related("section", "author", "answered_by")
    return comments if can_edit_vision(user) else comments.filter(status=VisionComment.Status.SHOWN)


def public_comments(version: VisionVersion) -> QuerySet[VisionComment]:
    return version.comments.filter(status=VisionComment.Status.SHOWN).select_related("section")


@dataclass(frozen=True)
class SectionChange:
    key: str
    status: str  # added | removed | changed | unchanged
    before: VisionSection | None
    after: VisionSection | None
    before_html: SafeString
    after_html: SafeString


_TOKENS = re.compile(r"\s+|[^\s]+")


def _marked(before: str, after: str) -> tuple[SafeString, SafeString]:
    """Both texts escaped, with the words only the first has in <del> and only the second in <ins>."""
    a, b = _TOKENS.findall(before), _TOKENS.findall(after)
    left, right = [], []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        old, new = escape("".join(a[i1:i2])), escape("".join(b[j1:j2]))
        if op == "equal":
            left.append(old)
            right.append(new)
            continue
        if old:
            left.append(f"<del>{old}</del>")
        if new:
            right.append(f"<ins>{new}</ins>")
    return mark_safe("".join(left)), mark_safe("".join(right))  # noqa: S308 - every piece is escaped above


def compare_versions(before: VisionVersion, after: VisionVersion) -> list[SectionChange]:
    """The sections of two versions side by side, matched by key, in the newer version's order
    (sections it removed follow at their old place)."""
    old = {s.key: s for s in before.sections.all()}
    new = {s.key: s for s in after.sections.all()}
    changes = []
    for key, section in new.items():
        previous = old.get(key)
        if previous is None:
            changes.append(SectionChange(key, "added", None, section, mark_safe(""),
                                         _marked("", f"{section.heading}\n\n{section.body}")[1]))
            continue
        left, right = _marked(f"{previous.heading}\n\n{previous.body}", f"{section.heading}\n\n{section.body}")
        same = (previous.heading, previous.body) == (section.heading, section.body)
        changes.append(SectionChange(key, "unchanged" if same else "changed", previous, section, left, right))
    for key, section in old.items():
        if key not in new:
            changes.append(SectionChange(key, "removed", section, None,
                                         _marked(f"{section.heading}\n\n{section.body}", "")[0], mark_safe("")))
    return changes
