"""Words for column names and values: "English learners", not ``english_learner = Y``.

A :class:`Labels` map turns an attribute and its value into the name of a group of students, as a
district team would say it. The default map knows the ESSA subgroup columns that Trellis keeps
(race/ethnicity, sex, English learner, disability, economically disadvantaged, grade, and the
optional homeless, foster care, military-connected and migrant flags); any other column reads
"school: Lincoln", with underscores as spaces. Missing values ("(missing)") read "not recorded".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from trellis.engine.fairness.cells import MISSING

YES = ("Y", "YES", "TRUE", "1")
NO = ("N", "NO", "FALSE", "0")


def _yes_no(yes: str, no: str) -> dict[str, str]:
    return {**{value: yes for value in YES}, **{value: no for value in NO}}


COLUMN_WORDS: dict[str, str] = {
    "race": "race/ethnicity",
    "ethnicity": "race/ethnicity",
    "sex": "sex",
    "gender": "gender",
    "english_learner": "English learner",
    "disability": "disability",
    "econ_disadvantaged": "economically disadvantaged",
    "economically_disadvantaged": "economically disadvantaged",
    "grade": "grade",
    "homeless": "homeless",
    "foster_care": "foster care",
    "military_connected": "military-connected",
    "migrant": "migrant",
}
"""The default words for known attribute columns."""

VALUE_WORDS: dict[str, dict[str, str]] = {
    "race": {
        "Hispanic/Latino": "Hispanic/Latino students",
        "American Indian or Alaska Native": "American Indian or Alaska Native students",
        "Asian": "Asian students",
        "Black or African American": "Black or African American students",
        "Native Hawaiian or Other Pacific Islander": "Native Hawaiian or Other Pacific Islander students",
        "White": "White students",
        "Two or more races": "Students of two or more races",
    },
    "sex": {"F": "Female students", "M": "Male students", "X": "Students of another sex"},
    "english_learner": _yes_no("English learners", "Students who are not English learners"),
    "disability": _yes_no("Students with disabilities", "Students without disabilities"),
    "econ_disadvantaged": _yes_no("Economically disadvantaged students", "Students not economically disadvantaged"),
    "homeless": _yes_no("Students experiencing homelessness", "Students not experiencing homelessness"),
    "foster_care": _yes_no("Students in foster care", "Students not in foster care"),
    "military_connected": _yes_no("Military-connected students", "Students not military-connected"),
    "migrant": _yes_no("Migrant students", "Students who are not migrants"),
    "grade": {
        "PK": "Pre-kindergarten",
        "KG": "Kindergarten",
        **{f"{grade:02d}": f"Grade {grade}" for grade in range(1, 13)},
        **{str(grade): f"Grade {grade}" for grade in range(1, 13)},
    },
}
"""The default words for values of known attribute columns (matched ignoring case)."""

VALUE_WORDS["ethnicity"] = VALUE_WORDS["race"]
VALUE_WORDS["gender"] = VALUE_WORDS["sex"]
VALUE_WORDS["economically_disadvantaged"] = VALUE_WORDS["econ_disadvantaged"]


@dataclass(frozen=True)
class Labels:
    """Words for attribute columns and their values.

    Attributes
    ----------
    columns : Mapping[str, str]
        Column name -> words (``"english_learner"`` -> ``"English learner"``).
    values : Mapping[str, Mapping[str, str]]
        Column name -> value -> the name of that group of students
        (``"english_learner"`` -> ``"Y"`` -> ``"English learners"``). Values are matched exactly
        first, then ignoring case.
    """

    columns: Mapping[str, str] = field(default_factory=lambda: dict(COLUMN_WORDS))
    values: Mapping[str, Mapping[str, str]] = field(default_factory=lambda: dict(VALUE_WORDS))

    def column(self, name: str) -> str:
        """The words for a column: from the map, else the name with underscores as spaces."""
        return self.columns.get(name, name.replace("_", " "))

    def value(self, column: str, value: str) -> str:
        """The name of the group of students with ``column == value``.

        A missing value reads "<column>: not recorded"; a value the map does not know reads
        "<column>: <value>".
        """
        if value == MISSING:
            return f"{_capital(self.column(column))}: not recorded"
        words = self.values.get(column, {})
        if value in words:
            return words[value]
        folded = {key.upper(): text for key, text in words.items()}
        if value.strip().upper() in folded:
            return folded[value.strip().upper()]
        return f"{_capital(self.column(column))}: {value}"

    def group(self, attributes: tuple[str, ...], group: Mapping[str, str]) -> str:
        """A whole group: ``"All students"``, one value's words, or several joined by " · "."""
        if not attributes:
            return "All students"
        return " · ".join(self.value(attribute, group[attribute]) for attribute in attributes)

    def grouping(self, attributes: tuple[str, ...]) -> str:
        """A grouping's name: ``"race/ethnicity and English learner"``."""
        return " and ".join(self.column(attribute) for attribute in attributes) or "all students"


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def labels_from(mapping: Mapping[str, object] | None) -> Labels:
    """Labels from a plain mapping (e.g. read from JSON), added to the defaults.

    ``{"columns": {"school": "school"}, "values": {"school": {"LHS": "Lincoln High School"}}}``.
    """
    if not mapping:
        return Labels()
    columns = dict(COLUMN_WORDS)
    values = {name: dict(words) for name, words in VALUE_WORDS.items()}
    given_columns = mapping.get("columns", {})
    given_values = mapping.get("values", {})
    if not isinstance(given_columns, Mapping) or not isinstance(given_values, Mapping):
        raise ValueError('labels must look like {"columns": {...}, "values": {"column": {...}}}')
    columns.update({str(key): str(text) for key, text in given_columns.items()})
    for column, words in given_values.items():
        if not isinstance(words, Mapping):
            raise ValueError(f"labels: the values of {column!r} must be a mapping of value to words")
        values.setdefault(str(column), {}).update({str(key): str(text) for key, text in words.items()})
    return Labels(columns=columns, values=values)
