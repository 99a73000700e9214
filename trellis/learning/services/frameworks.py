"""Every write to competency frameworks: CASE import, the shipped default, new versions, drafts."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import resources
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone

from trellis.core.services import UserFacingError, audit_record
from trellis.interop.case import CaseError, CasePackage, package_dict, read_package
from trellis.learning.models import Competency, Framework, FrameworkAssociation
from trellis.learning.permissions import can_add_framework, can_change_framework, framework_owner_for
from trellis.orgs.models import Organization

DEFAULT_FRAMEWORK_FILE = "unesco-ai-cft-2024.case.json"


class FrameworkRefused(UserFacingError):
    """A CASE package that cannot be imported; the message names the JSON path of each problem."""


@dataclass
class FrameworkImport:
    framework: Framework
    created: bool
    counts: dict[str, int]
    warnings: list[str] = field(default_factory=list)


def _now_case() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def _document_fields(document: dict[str, Any]) -> dict[str, Any]:
    def text(key: str, limit: int) -> str:
        value = document.get(key)
        return value[:limit] if isinstance(value, str) else ""

    return {
        "title": text("title", 300), "creator": text("creator", 300), "version": text("version", 60),
        "language": text("language", 20), "description": text("description", 20_000),
    }


def _save_package(package: CasePackage, *, owner: Organization | None, status: str, is_default: bool,
                  source_name: str, previous: Framework | None = None) -> Framework:
    framework = Framework(
        identifier=package.identifier, status=status, is_default=is_default, owner=owner,
        previous_version=previous, source_name=source_name[:255], document=package.document,
        definitions=package.definitions, rubrics=package.rubrics, extensions=package.extensions,
        published_at=timezone.now() if status == Framework.Status.PUBLISHED else None,
        **_document_fields(package.document),
    )
    framework.full_clean()
    framework.save()
    competencies = [
        Competency(
            framework=framework, identifier=item.identifier, position=index, sequence_number=item.sequence_number,
            full_statement=item.full_statement, abbreviated_statement=item.abbreviated_statement[:500],
            human_coding_scheme=item.human_coding_scheme[:120], list_enumeration=item.list_enumeration[:60],
            item_type=item.item_type[:120], language=item.language[:20], raw=item.raw,
        )
        for index, item in enumerate(package.items)
    ]
    Competency.objects.bulk_create(competencies, batch_size=500)
    by_identifier = {c.identifier: c for c in Competency.objects.filter(framework=framework)}
    children = []
    for item in package.items:
        if item.parent is not None:
            child = by_identifier[item.identifier]
            child.parent = by_identifier[item.parent]
            children.append(child)
    Competency.objects.bulk_update(children, ["parent"], batch_size=500)
    FrameworkAssociation.objects.bulk_create([
        FrameworkAssociation(
            framework=framework, identifier=a.identifier, association_type=a.association_type[:80],
            origin_identifier=a.origin[:255], destination_identifier=a.destination[:255],
            sequence_number=a.sequence_number, position=index, raw=a.raw,
        )
        for index, a in enumerate(package.associations)
    ], batch_size=500)
    return framework


def framework_package(framework: Framework) -> dict[str, Any]:
    """The framework as a CASE 1.1 CFPackage, every object as it was imported or last edited."""
    return package_dict(
        document=framework.document,
        items=[c.raw for c in framework.competencies.order_by("position")],
        associations=[a.raw for a in framework.associations.order_by("position")],
        definitions=framework.definitions, rubrics=framework.rubrics, extensions=framework.extensions,
    )


def _read(data: bytes, source_name: str) -> CasePackage:
    try:
        return read_package(data, source=source_name)
    except CaseError as exc:
        raise FrameworkRefused(str(exc)) from exc


@transaction.atomic
def framework_import(
    *, actor: Any, data: bytes, source_name: str, owner: Organization | None = None
) -> FrameworkImport:
    """Import a CASE package as a published framework, all or nothing.

    A person's framework belongs to their widest managing organization (the state for the state
    AI lead, their district for a district AI lead); from the command line (``actor=None``) to
    ``owner``. Importing the same package again changes nothing; a different package under an
    identifier Trellis already has is refused, because a published framework never changes.
    """
    if actor is not None:
        if not can_add_framework(actor):
            raise PermissionDenied("Only the state AI lead or a district AI lead can add a framework.")
        owner = framework_owner_for(actor)
    package = _read(data, source_name)
    existing = Framework.objects.filter(identifier__iexact=package.identifier).first()
    if existing is not None:
        incoming = package_dict(document=package.document, items=[i.raw for i in package.items],
                                associations=[a.raw for a in package.associations],
                                definitions=package.definitions, rubrics=package.rubrics,
                                extensions=package.extensions)
        if _canonical(incoming) == _canonical(framework_package(existing)):
            return FrameworkImport(existing, False, package.counts(), package.warnings)
        raise FrameworkRefused(
            f"{source_name}: $.CFDocument.identifier: Trellis already has the framework {package.identifier} "
            f"(“{existing.title}”) and it differs from this package. A published framework never changes: "
            "publish the changed framework under a new identifier as a new version."
        )
    framework = _save_package(package, owner=owner, status=Framework.Status.PUBLISHED, is_default=False,
                              source_name=source_name)
    audit_record(
        actor=actor, action="framework.import", target=framework, organization_id=owner.pk if owner else None,
        summary=f"Imported the framework {framework.title} ({len(package.items)} items) from {source_name}",
        details={"identifier": framework.identifier, **package.counts()},
    )
    return FrameworkImport(framework, True, package.counts(), package.warnings)


def _canonical(package: dict[str, Any]) -> str:
    return json.dumps(package, sort_keys=True, ensure_ascii=False)


def framework_default() -> Framework:
    """The shipped UNESCO AI competency framework for teachers, loaded the first time it is asked for."""
    found = Framework.objects.filter(is_default=True).first()
    if found is not None:
        return found
    data = resources.files("trellis.learning").joinpath("data", DEFAULT_FRAMEWORK_FILE).read_bytes()
    package = read_package(data, source=DEFAULT_FRAMEWORK_FILE)
    try:
        with transaction.atomic():
            framework = _save_package(package, owner=None, status=Framework.Status.PUBLISHED, is_default=True,
                                      source_name="Shipped with Trellis")
            audit_record(actor=None, action="framework.load_default", target=framework,
                         summary=f"Loaded the shipped framework {framework.title}")
    except IntegrityError:  # another request loaded it at the same moment
        return Framework.objects.get(is_default=True)
    return framework


def _fresh_identifiers(text: str, identifiers: list[str]) -> str:
    """Give every CASE object of a package a new identifier (they are UUIDs, so replacing their text is exact)."""
    for old in identifiers:
        text = text.replace(old, str(uuid.uuid4()))
    return text


@transaction.atomic
def framework_new_version(*, actor: Any, framework: Framework, version: str) -> Framework:
    """A draft copy of a framework under new identifiers, to change and publish as its next version."""
    if not can_add_framework(actor):
        raise PermissionDenied("Only the state AI lead or a district AI lead can start a new version.")
    owner = framework_owner_for(actor)
    package = framework_package(framework)
    identifiers = [framework.identifier, *framework.competencies.values_list("identifier", flat=True),
                   *framework.associations.values_list("identifier", flat=True)]
    for rubric in framework.rubrics:
        identifiers.extend(_rubric_identifiers(rubric))
    copied = json.loads(_fresh_identifiers(json.dumps(package, ensure_ascii=False), identifiers))
    stamp = _now_case()
    copied["CFDocument"].update({"version": version, "lastChangeDateTime": stamp, "adoptionStatus": "Draft"})
    new = read_package(json.dumps(copied), source=f"new version of {framework.identifier}")
    draft = _save_package(new, owner=owner, status=Framework.Status.DRAFT, is_default=False,
                          source_name=f"New version of {framework.title} {framework.version}".strip(),
                          previous=framework)
    audit_record(actor=actor, action="framework.new_version", target=draft, organization_id=owner.pk if owner else None,
                 summary=f"Started version {version} of {framework.title}",
                 details={"previous": framework.identifier, "identifier": draft.identifier})
    return draft


def _rubric_identifiers(rubric: Any) -> list[str]:
    found: list[str] = []
    if isinstance(rubric, dict):
        if isinstance(rubric.get("identifier"), str):
            found.append(rubric["identifier"])
        for value in rubric.values():
            if isinstance(value, list):
                for entry in value:
                    found.extend(_rubric_identifiers(entry))
    return found


def _require_draft(actor: Any, framework: Framework) -> None:
    if framework.is_published:
        raise PermissionDenied("A published framework never changes; start a new version to change it.")
    if not can_change_framework(actor, framework.owner):
        raise PermissionDenied("You can only change frameworks of organizations you manage.")


@transaction.atomic
def competency_update(*, actor: Any, competency: Competency, full_statement: str,
                      abbreviated_statement: str, human_coding_scheme: str) -> Competency:
    """Change a draft framework's item; its CASE JSON changes with it."""
    framework = Framework.objects.select_for_update().get(pk=competency.framework_id)
    _require_draft(actor, framework)
    competency.full_statement = full_statement
    competency.abbreviated_statement = abbreviated_statement
    competency.human_coding_scheme = human_coding_scheme
    raw = dict(competency.raw)
    for key, value in (("fullStatement", full_statement), ("abbreviatedStatement", abbreviated_statement),
                       ("humanCodingScheme", human_coding_scheme)):
        if value:
            raw[key] = value
        else:
            raw.pop(key, None)
    raw["lastChangeDateTime"] = _now_case()
    competency.raw = raw
    competency.full_clean()
    competency.save()
    audit_record(actor=actor, action="competency.update", target=competency,
                 organization_id=framework.owner_id, summary=f"Changed {competency} in the draft {framework}")
    return competency


@transaction.atomic
def framework_publish(*, actor: Any, framework: Framework) -> Framework:
    framework = Framework.objects.select_for_update().get(pk=framework.pk)
    _require_draft(actor, framework)
    framework.status = Framework.Status.PUBLISHED
    framework.published_at = timezone.now()
    framework.document = {**framework.document, "adoptionStatus": "Adopted", "lastChangeDateTime": _now_case()}
    framework.full_clean()
    framework.save()
    audit_record(actor=actor, action="framework.publish", target=framework, organization_id=framework.owner_id,
                 summary=f"Published {framework}")
    return framework
