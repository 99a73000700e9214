"""CASE 1.1 packages written by another CASE tool (OpenSALT) read, check and write back unchanged."""

from __future__ import annotations

import copy
import json
import re
from importlib import resources
from pathlib import Path

import pytest

from trellis.interop.case import ASSOCIATION_TYPES, CaseError, package_dict, read_package

FIXTURES = Path(__file__).parent / "fixtures" / "case"
OPENSALT = sorted(FIXTURES.glob("opensalt-*.json"))
UNESCO = resources.files("trellis.learning").joinpath("data", "unesco-ai-cft-2024.case.json")


def load(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def refusal(package: object) -> list[str]:
    with pytest.raises(CaseError) as caught:
        read_package(json.dumps(package), source="broken.json")
    return caught.value.problems


def rewritten(package) -> dict:
    return package_dict(document=package.document, items=[i.raw for i in package.items],
                        associations=[a.raw for a in package.associations], definitions=package.definitions,
                        rubrics=package.rubrics, extensions=package.extensions)


@pytest.mark.parametrize("path", OPENSALT, ids=lambda p: p.name)
def test_opensalt_packages_write_back_unchanged(path):
    original = json.loads(path.read_text(encoding="utf-8"))
    package = read_package(path.read_bytes(), source=path.name)
    assert rewritten(package) == original
    assert package.identifier == original["CFDocument"]["identifier"]
    assert [i.identifier for i in package.items] == [i["identifier"] for i in original["CFItems"]]
    assert [i.full_statement for i in package.items] == [i["fullStatement"] for i in original["CFItems"]]
    assert [(a.identifier, a.association_type, a.origin, a.destination) for a in package.associations] == [
        (a["identifier"], a["associationType"], a["originNodeURI"]["identifier"],
         a["destinationNodeURI"]["identifier"]) for a in original["CFAssociations"]
    ]


def test_act_framework_tree_and_codes():
    package = read_package((FIXTURES / "opensalt-act-holistic-math.json").read_bytes(), source="act.json")
    assert package.title == "ACT Holistic Framework, Math"
    assert package.counts() == {"items": 28, "associations": 28, "definitions": 0, "rubrics": 0}
    top = [i for i in package.items if i.parent is None]
    by_id = {i.identifier: i for i in package.items}
    assert top and all(by_id[i.parent].identifier for i in package.items if i.parent)
    geometry = next(i for i in package.items if i.human_coding_scheme == "H.A.MATH.GM")
    assert geometry.abbreviated_statement == "Geometry and Measurement" and geometry.parent is None
    assert package.warnings == []


def test_sequence_numbers_and_text_numbers_are_read():
    package = read_package((FIXTURES / "opensalt-sequence-numbers.json").read_bytes(), source="seq.json")
    assert sorted((i.human_coding_scheme, i.sequence_number) for i in package.items) == [("SNT.1", 2), ("SNT.2", 1)]
    sample = read_package((FIXTURES / "opensalt-what-standards-could-be.json").read_bytes(), source="s.json")
    assert sample.counts() == {"items": 16, "associations": 39, "definitions": 3, "rubrics": 0}
    assert 'CFAssociations[15].sequenceNumber: "1" is text, read as the number 1.' in sample.warnings[0]
    # Matches to the Common Core items are outside the package: kept, with one warning.
    assert "21 associations point to items outside this package" in sample.warnings[-1]
    assert {a.association_type for a in sample.associations} == {
        "exactMatchOf", "isChildOf", "precedes", "exemplar", "isRelatedTo"}


def test_languages_and_utf8_are_kept():
    package = read_package((FIXTURES / "opensalt-utf8.json").read_bytes(), source="utf8.json")
    original = load("opensalt-utf8.json")
    assert package.items[0].full_statement == original["CFItems"][0]["fullStatement"]
    assert any(ord(ch) > 127 for ch in package.items[0].full_statement + package.title)


def test_the_shipped_unesco_framework_is_a_valid_case_11_package():
    data = UNESCO.read_bytes()
    package = read_package(data, source="unesco.json")
    assert package.warnings == []
    aspects = [i for i in package.items if i.item_type == "Aspect"]
    competencies = [i for i in package.items if i.item_type == "Competency"]
    assert len(aspects) == 5 and len(competencies) == 15
    assert all(sum(1 for c in competencies if c.parent == a.identifier) == 3 for a in aspects)
    assert "UNESCO" in package.document["notes"] and package.document["officialSourceURL"].startswith("https://")
    # CASE 1.1's required fields and identifier pattern (from the 1EdTech JSON schema binding).
    uuid_v1p1 = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[8-9a-b][0-9a-f]{3}-[0-9a-f]{12}$"
    raw = json.loads(data)
    required = {
        "CFDocument": ["identifier", "uri", "creator", "title", "lastChangeDateTime"],
        "CFItems": ["identifier", "fullStatement", "uri", "lastChangeDateTime"],
        "CFAssociations": ["identifier", "associationType", "uri", "originNodeURI", "destinationNodeURI",
                           "lastChangeDateTime"],
        "CFItemTypes": ["identifier", "uri", "title", "description", "hierarchyCode", "lastChangeDateTime"],
        "CFRubrics": ["identifier", "uri", "lastChangeDateTime"],
    }
    objects = {
        "CFDocument": [raw["CFDocument"]], "CFItems": raw["CFItems"], "CFAssociations": raw["CFAssociations"],
        "CFItemTypes": raw["CFDefinitions"]["CFItemTypes"], "CFRubrics": raw["CFRubrics"],
    }
    for kind, fields in required.items():
        for obj in objects[kind]:
            assert [f for f in fields if f not in obj] == [], kind
            assert re.match(uuid_v1p1, obj["identifier"]), obj["identifier"]
    assert {a["associationType"] for a in raw["CFAssociations"]} <= set(ASSOCIATION_TYPES)
    criteria = raw["CFRubrics"][0]["CFRubricCriteria"]
    assert [len(c["CFRubricCriterionLevels"]) for c in criteria] == [3] * 5
    assert [lv["quality"] for lv in criteria[0]["CFRubricCriterionLevels"]] == ["Acquire", "Deepen", "Create"]


def test_not_json_is_refused_with_line_and_column():
    with pytest.raises(CaseError) as caught:
        read_package(b'{"CFDocument": {,}', source="broken.json")
    assert caught.value.problems == ["broken.json: is not JSON (Expecting property name enclosed in double quotes "
                                     "at line 1, column 17)."]


def test_a_package_without_a_document_is_refused():
    assert refusal({"CFItems": []}) == [
        "broken.json: $.CFDocument: missing; a CASE package has exactly one CFDocument."]
    assert refusal([1, 2]) == ["broken.json: $: a CASE package is a JSON object with a CFDocument."]


def test_missing_required_fields_are_named_by_json_path():
    package = load("opensalt-act-holistic-math.json")
    del package["CFItems"][3]["fullStatement"]
    del package["CFAssociations"][5]["associationType"]
    package["CFDocument"]["title"] = ""
    assert refusal(package) == [
        "broken.json: $.CFDocument.title: missing; the framework needs a title.",
        "broken.json: $.CFItems[3].fullStatement: missing; every item needs its statement.",
        "broken.json: $.CFAssociations[5].associationType: missing.",
    ]


def test_a_malformed_uuid_is_refused():
    package = load("opensalt-sequence-numbers.json")
    package["CFItems"][1]["identifier"] = "e144c2e6-c0ea-11e7-95f7"
    problems = refusal(package)
    assert problems[0].startswith('broken.json: $.CFItems[1].identifier: "e144c2e6-c0ea-11e7-95f7" is not a UUID')


def test_an_association_to_an_unknown_item_is_refused():
    package = load("opensalt-act-holistic-math.json")
    package["CFAssociations"][2]["originNodeURI"]["identifier"] = "0e3b8a8c-1111-4222-8333-444455556666"
    child = next(i for i, a in enumerate(package["CFAssociations"]) if a["associationType"] == "isChildOf"
                 and i != 2)
    package["CFAssociations"][child]["destinationNodeURI"]["identifier"] = "9e3b8a8c-1111-4222-8333-444455556666"
    assert sorted(refusal(package)) == sorted([
        "broken.json: $.CFAssociations[2].originNodeURI.identifier: 0e3b8a8c-1111-4222-8333-444455556666 is not "
        "an item of this package.",
        f"broken.json: $.CFAssociations[{child}].destinationNodeURI.identifier: 9e3b8a8c-1111-4222-8333-444455556666 "
        "is not an item of this package, so the item has no parent.",
    ])


def test_duplicate_identifiers_unknown_types_and_loops_are_refused():
    package = load("opensalt-sequence-numbers.json")
    twice = copy.deepcopy(package)
    twice["CFItems"][1]["identifier"] = twice["CFItems"][0]["identifier"]
    assert "is used twice (also at $.CFItems[0])" in refusal(twice)[0]
    odd = copy.deepcopy(package)
    odd["CFAssociations"][0]["associationType"] = "isCousinOf"
    assert '"isCousinOf" is not a CASE 1.1 association type' in refusal(odd)[0]
    loop = copy.deepcopy(package)
    first, second = (i["identifier"] for i in loop["CFItems"])
    loop["CFAssociations"][0]["destinationNodeURI"]["identifier"] = second
    loop["CFAssociations"][1]["destinationNodeURI"]["identifier"] = first
    assert refusal(loop)[0].endswith("isChildOf associations form a loop through item " + first + ".")


def test_a_wrapped_package_and_extension_association_types_are_read():
    package = load("opensalt-sequence-numbers.json")
    package["CFAssociations"][0]["associationType"] = "ext:alignedTo"
    read = read_package(json.dumps({"CFPackage": package}), source="wrapped.json")
    assert read.associations[0].association_type == "ext:alignedTo"
