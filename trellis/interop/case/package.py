"""Read a CASE 1.1 CFPackage from JSON, check it, and write one back."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from trellis.interop.refusal import Refusal

#: CASE 1.1's association vocabulary; ``ext:`` names are the standard's extension point.
ASSOCIATION_TYPES = (
    "isChildOf", "isPeerOf", "isPartOf", "exactMatchOf", "precedes", "isRelatedTo", "replacedBy",
    "exemplar", "hasSkillLevel", "isTranslationOf",
)
DEFINITION_KINDS = ("CFConcepts", "CFSubjects", "CFLicenses", "CFItemTypes", "CFAssociationGroupings")
PACKAGE_KEYS = ("CFDocument", "CFItems", "CFAssociations", "CFDefinitions", "CFRubrics", "extensions")
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_EXTENSION_TYPE = re.compile(r"^ext:[a-zA-Z0-9.\-_]+$")


class CaseError(Refusal):
    """The package was refused; ``problems`` name the file and JSON path of each reason."""

    what = "CASE package"


@dataclass(frozen=True)
class CaseItem:
    """A CFItem, with its place in the tree taken from its ``isChildOf`` association."""

    identifier: str
    full_statement: str
    human_coding_scheme: str
    abbreviated_statement: str
    list_enumeration: str
    item_type: str
    language: str
    parent: str | None  # identifier of the parent item; None when it sits directly under the document
    sequence_number: int | None
    raw: dict[str, Any]


@dataclass(frozen=True)
class CaseAssociation:
    identifier: str
    association_type: str
    origin: str
    destination: str
    sequence_number: int | None
    raw: dict[str, Any]


@dataclass(frozen=True)
class CasePackage:
    document: dict[str, Any]
    items: list[CaseItem]
    associations: list[CaseAssociation]
    definitions: dict[str, Any]
    rubrics: list[Any]
    extensions: dict[str, Any] | None
    warnings: list[str] = field(default_factory=list)

    @property
    def identifier(self) -> str:
        return str(self.document["identifier"])

    @property
    def title(self) -> str:
        return str(self.document["title"])

    def counts(self) -> dict[str, int]:
        return {
            "items": len(self.items),
            "associations": len(self.associations),
            "definitions": sum(len(v) for v in self.definitions.values() if isinstance(v, list)),
            "rubrics": len(self.rubrics),
        }


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _is_uuid(value: Any) -> bool:
    return isinstance(value, str) and bool(_UUID.match(value))


class _Checker:
    def __init__(self, source: str) -> None:
        self.source = source
        self.problems: list[str] = []
        self.warnings: list[str] = []

    def problem(self, path: str, message: str) -> None:
        self.problems.append(f"{self.source}: {path}: {message}")

    def warn(self, path: str, message: str) -> None:
        self.warnings.append(f"{self.source}: {path}: {message}")

    def identifier(self, obj: Mapping[str, Any], path: str, seen: dict[str, str]) -> str | None:
        value = obj.get("identifier")
        if value is None or value == "":
            self.problem(f"{path}.identifier", "missing; every CASE object needs an identifier.")
            return None
        if not _is_uuid(value):
            self.problem(f"{path}.identifier", f"{json.dumps(value)[:80]} is not a UUID "
                         "(CASE identifiers look like 1b6d5c2e-3f4a-4b8c-9d0e-1f2a3b4c5d6e).")
            return None
        if value.lower() in seen:
            self.problem(f"{path}.identifier", f"{value} is used twice (also at {seen[value.lower()]}).")
            return None
        seen[value.lower()] = path
        return str(value)

    def list_of_objects(self, package: Mapping[str, Any], key: str, path: str) -> list[Any]:
        value = package.get(key, [])
        if value is None:
            return []
        if not isinstance(value, list):
            self.problem(path, f"must be a list, not {type(value).__name__}.")
            return []
        for index, entry in enumerate(value):
            if not isinstance(entry, dict):
                self.problem(f"{path}[{index}]", "must be a JSON object.")
        return [entry for entry in value if isinstance(entry, dict)]


def _node(link: Any) -> str | None:
    if isinstance(link, dict) and isinstance(link.get("identifier"), str) and link["identifier"]:
        return str(link["identifier"])
    return None


def read_package(data: bytes | str, *, source: str) -> CasePackage:
    """Parse and check a CASE 1.1 CFPackage (also accepted wrapped as ``{"CFPackage": {...}}``).

    Refused, with the JSON path of each problem: text that is not JSON; a package without a
    CFDocument; a document, item or association without its required fields (identifier and
    title; identifier and fullStatement; identifier, associationType, originNodeURI and
    destinationNodeURI); an identifier that is not a UUID or is used twice; an association whose
    origin is not in the package, or an ``isChildOf`` whose parent is not in it; a loop of
    ``isChildOf``. Accepted with a warning: associations pointing to items in other frameworks
    (kept as they are), items in no ``isChildOf`` (shown at the top of the tree).
    """
    check = _Checker(source)
    try:
        parsed = json.loads(data)
    except UnicodeDecodeError as exc:
        raise CaseError([f"{source}: is not UTF-8 text ({exc.reason} at byte {exc.start})."]) from exc
    except json.JSONDecodeError as exc:
        raise CaseError([f"{source}: is not JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})."]) from exc
    root = "$"
    if isinstance(parsed, dict) and isinstance(parsed.get("CFPackage"), dict) and "CFDocument" not in parsed:
        parsed, root = parsed["CFPackage"], "$.CFPackage"
    if not isinstance(parsed, dict):
        raise CaseError([f"{source}: {root}: a CASE package is a JSON object with a CFDocument."])
    document = parsed.get("CFDocument")
    if not isinstance(document, dict):
        raise CaseError([f"{source}: {root}.CFDocument: missing; a CASE package has exactly one CFDocument."])
    for key in parsed:
        if key not in PACKAGE_KEYS:
            check.warn(f"{root}.{key}", "is not part of a CASE 1.1 package; it is kept as it is.")

    seen: dict[str, str] = {}
    document_id = check.identifier(document, f"{root}.CFDocument", seen)
    if not _text(document.get("title")).strip():
        check.problem(f"{root}.CFDocument.title", "missing; the framework needs a title.")
    for optional in ("uri", "creator", "lastChangeDateTime"):
        if not document.get(optional):
            check.warn(f"{root}.CFDocument.{optional}", "missing (CASE 1.1 requires it); kept without it.")

    raw_items = check.list_of_objects(parsed, "CFItems", f"{root}.CFItems")
    item_ids: list[str | None] = []
    for index, item in enumerate(raw_items):
        path = f"{root}.CFItems[{index}]"
        item_ids.append(check.identifier(item, path, seen))
        if not _text(item.get("fullStatement")).strip():
            check.problem(f"{path}.fullStatement", "missing; every item needs its statement.")
    known_items = {i for i in item_ids if i}
    in_package = known_items | ({document_id} if document_id else set())

    raw_associations = check.list_of_objects(parsed, "CFAssociations", f"{root}.CFAssociations")
    associations: list[CaseAssociation] = []
    external = 0
    for index, association in enumerate(raw_associations):
        path = f"{root}.CFAssociations[{index}]"
        identifier = check.identifier(association, path, seen)
        kind = association.get("associationType")
        if not isinstance(kind, str) or not kind:
            check.problem(f"{path}.associationType", "missing.")
        elif kind not in ASSOCIATION_TYPES and not _EXTENSION_TYPE.match(kind):
            check.problem(f"{path}.associationType", f"{json.dumps(kind)[:60]} is not a CASE 1.1 association "
                          f"type ({', '.join(ASSOCIATION_TYPES)}, or ext:name).")
        origin = _node(association.get("originNodeURI"))
        destination = _node(association.get("destinationNodeURI"))
        if origin is None:
            check.problem(f"{path}.originNodeURI.identifier", "missing.")
        elif origin not in in_package:
            check.problem(f"{path}.originNodeURI.identifier", f"{origin} is not an item of this package.")
        if destination is None:
            check.problem(f"{path}.destinationNodeURI.identifier", "missing.")
        elif destination not in in_package:
            if kind == "isChildOf":
                check.problem(f"{path}.destinationNodeURI.identifier",
                              f"{destination} is not an item of this package, so the item has no parent.")
            else:
                external += 1
        sequence = association.get("sequenceNumber")
        if isinstance(sequence, str) and sequence.strip().lstrip("-").isdigit():
            # Older OpenSALT exports write the number as text; it reads the same, and is kept as written.
            check.warn(f"{path}.sequenceNumber", f"{json.dumps(sequence)} is text, read as the number {int(sequence)}.")
            sequence = int(sequence)
        elif sequence is not None and (isinstance(sequence, bool) or not isinstance(sequence, int)):
            check.problem(f"{path}.sequenceNumber", f"{json.dumps(sequence)[:40]} is not a whole number.")
            sequence = None
        if identifier and isinstance(kind, str) and origin and destination:
            associations.append(CaseAssociation(identifier, kind, origin, destination, sequence, association))
    if external:
        check.warn(f"{root}.CFAssociations", f"{external} association{'s' if external != 1 else ''} point to "
                   "items outside this package (other frameworks); kept as they are.")

    definitions = parsed.get("CFDefinitions") or {}
    if not isinstance(definitions, dict):
        check.problem(f"{root}.CFDefinitions", "must be a JSON object.")
        definitions = {}
    for kind_name in definitions:
        if kind_name == "extensions":
            continue
        if kind_name not in DEFINITION_KINDS:
            check.warn(f"{root}.CFDefinitions.{kind_name}", "is not a CASE 1.1 definition list; kept as it is.")
            continue
        for index, entry in enumerate(check.list_of_objects(definitions, kind_name,
                                                            f"{root}.CFDefinitions.{kind_name}")):
            check.identifier(entry, f"{root}.CFDefinitions.{kind_name}[{index}]", {})

    rubrics = check.list_of_objects(parsed, "CFRubrics", f"{root}.CFRubrics")
    for index, rubric in enumerate(rubrics):
        path = f"{root}.CFRubrics[{index}]"
        check.identifier(rubric, path, seen)
        for c_index, criterion in enumerate(check.list_of_objects(rubric, "CFRubricCriteria",
                                                                  f"{path}.CFRubricCriteria")):
            c_path = f"{path}.CFRubricCriteria[{c_index}]"
            check.identifier(criterion, c_path, seen)
            for l_index, level in enumerate(check.list_of_objects(criterion, "CFRubricCriterionLevels",
                                                                  f"{c_path}.CFRubricCriterionLevels")):
                check.identifier(level, f"{c_path}.CFRubricCriterionLevels[{l_index}]", seen)

    if check.problems:
        raise CaseError(check.problems)

    parents = _tree(associations, known_items, check, root)
    if check.problems:
        raise CaseError(check.problems)
    items = []
    for item, identifier in zip(raw_items, item_ids, strict=True):
        assert identifier is not None
        parent, sequence = parents.get(identifier, (None, None))
        item_type = item.get("CFItemType")
        if not isinstance(item_type, str):
            type_link = item.get("CFItemTypeURI")
            item_type = type_link.get("title", "") if isinstance(type_link, dict) else ""
        items.append(CaseItem(
            identifier=identifier,
            full_statement=_text(item.get("fullStatement")),
            human_coding_scheme=_text(item.get("humanCodingScheme")),
            abbreviated_statement=_text(item.get("abbreviatedStatement")),
            list_enumeration=_text(item.get("listEnumeration")),
            item_type=_text(item_type),
            language=_text(item.get("language")),
            parent=parent,
            sequence_number=sequence,
            raw=item,
        ))
    unplaced = [item for item in items if item.identifier not in parents]
    if unplaced:
        check.warn(f"{root}.CFItems", f"{len(unplaced)} item{'s are' if len(unplaced) != 1 else ' is'} in no "
                   "isChildOf association; shown at the top level of the framework.")
    extensions = parsed.get("extensions") if isinstance(parsed.get("extensions"), dict) else None
    return CasePackage(document, items, associations, dict(definitions), list(rubrics), extensions,
                       check.warnings)


def _tree(associations: Iterable[CaseAssociation], items: set[str], check: _Checker,
          root: str) -> dict[str, tuple[str | None, int | None]]:
    """Each item's parent (None for the document) and sequence number from ``isChildOf``. An item
    that is the child of several keeps the first in the package as its place in the tree."""
    parents: dict[str, tuple[str | None, int | None]] = {}
    several = 0
    for association in associations:
        if association.association_type != "isChildOf" or association.origin not in items:
            continue
        if association.origin in parents:
            several += 1
            continue
        parent = association.destination if association.destination in items else None
        parents[association.origin] = (parent, association.sequence_number)
    if several:
        check.warn(f"{root}.CFAssociations", f"{several} item{'s' if several != 1 else ''} have more than one "
                   "parent; the first is used for the tree and every association is kept.")
    for start in parents:
        seen = {start}
        current = parents[start][0]
        while current is not None:
            if current in seen:
                check.problem(f"{root}.CFAssociations", f"isChildOf associations form a loop through item {start}.")
                return parents
            seen.add(current)
            current = parents.get(current, (None, None))[0]
    return parents


def package_dict(
    *, document: dict[str, Any], items: Iterable[dict[str, Any]], associations: Iterable[dict[str, Any]],
    definitions: Mapping[str, Any] | None = None, rubrics: Iterable[Any] = (),
    extensions: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """A CFPackage in the standard's order of keys, with empty optional parts left out."""
    package: dict[str, Any] = {
        "CFDocument": document,
        "CFItems": list(items),
        "CFAssociations": list(associations),
    }
    if definitions:
        package["CFDefinitions"] = dict(definitions)
    rubric_list = list(rubrics)
    if rubric_list:
        package["CFRubrics"] = rubric_list
    if extensions:
        package["extensions"] = dict(extensions)
    return package


def package_json(package: dict[str, Any]) -> str:
    return json.dumps(package, ensure_ascii=False, indent=2) + "\n"
