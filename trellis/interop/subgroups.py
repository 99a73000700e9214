"""The shared vocabulary of student subgroups: codes, column names and display labels.

Student-level data keeps only the attributes that ESSA disaggregation needs (DESIGN.md section 4).
This module names them once so that the importer, the engine and the pages all say the same thing.

Race/ethnicity uses the federal 7 categories with their EDFacts codes. One code per student, by the
federal rule: Hispanic/Latino of any race first; otherwise two or more races; otherwise the single
race reported; null when nothing is reported.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Language = Literal["en", "es"]


@dataclass(frozen=True)
class Label:
    """A display label in English and Spanish."""

    en: str
    es: str

    def in_language(self, language: Language = "en") -> str:
        return self.es if language == "es" else self.en


HISPANIC_LATINO = "HI7"
AMERICAN_INDIAN_ALASKA_NATIVE = "AM7"
ASIAN = "AS7"
BLACK_AFRICAN_AMERICAN = "BL7"
NATIVE_HAWAIIAN_PACIFIC_ISLANDER = "PI7"
WHITE = "WH7"
TWO_OR_MORE_RACES = "MU7"

#: EDFacts race/ethnicity code -> label, in display order.
RACE_ETHNICITY: dict[str, Label] = {
    HISPANIC_LATINO: Label("Hispanic or Latino", "Hispano o latino"),
    AMERICAN_INDIAN_ALASKA_NATIVE: Label("American Indian or Alaska Native", "Indígena americano o nativo de Alaska"),
    ASIAN: Label("Asian", "Asiático"),
    BLACK_AFRICAN_AMERICAN: Label("Black or African American", "Negro o afroamericano"),
    NATIVE_HAWAIIAN_PACIFIC_ISLANDER: Label(
        "Native Hawaiian or Other Pacific Islander", "Nativo de Hawái u otras islas del Pacífico"
    ),
    WHITE: Label("White", "Blanco"),
    TWO_OR_MORE_RACES: Label("Two or more races", "Dos o más razas"),
}

#: Sex as stored: F, M, X (another sex or gender); null when not reported.
SEX: dict[str, Label] = {
    "F": Label("Female", "Femenino"),
    "M": Label("Male", "Masculino"),
    "X": Label("Another sex or gender", "Otro sexo o género"),
}

NOT_REPORTED = Label("Not reported", "No informado")

#: The columns of the student store that describe ESSA subgroups, with their labels.
SUBGROUP_COLUMNS: dict[str, Label] = {
    "race_ethnicity": Label("Race/ethnicity", "Raza/etnia"),
    "sex": Label("Sex", "Sexo"),
    "english_learner": Label("English learners", "Estudiantes de inglés"),
    "disability": Label("Students with disabilities", "Estudiantes con discapacidades"),
    "economically_disadvantaged": Label("Economically disadvantaged students", "Estudiantes en desventaja económica"),
    "homeless": Label("Students experiencing homelessness", "Estudiantes sin hogar"),
    "foster_care": Label("Students in foster care", "Estudiantes en cuidado de crianza"),
    "military_connected": Label("Military-connected students", "Estudiantes de familias militares"),
    "migrant": Label("Migrant students", "Estudiantes migrantes"),
}

#: The yes/no program columns (nullable booleans) among SUBGROUP_COLUMNS.
PROGRAM_FLAG_COLUMNS: tuple[str, ...] = (
    "english_learner",
    "disability",
    "economically_disadvantaged",
    "homeless",
    "foster_care",
    "military_connected",
    "migrant",
)

#: Race flags in the order of the OneRoster demographics columns, with their EDFacts codes.
SINGLE_RACE_CODES: tuple[str, ...] = (
    AMERICAN_INDIAN_ALASKA_NATIVE,
    ASIAN,
    BLACK_AFRICAN_AMERICAN,
    NATIVE_HAWAIIAN_PACIFIC_ISLANDER,
    WHITE,
)


def race_ethnicity_code(
    *,
    hispanic_latino: bool | None,
    american_indian_alaska_native: bool | None,
    asian: bool | None,
    black_african_american: bool | None,
    native_hawaiian_pacific_islander: bool | None,
    white: bool | None,
    two_or_more_races: bool | None,
) -> str | None:
    """The EDFacts race/ethnicity code of one student, or None when nothing is reported.

    Hispanic/Latino wins over any race; then two or more races (stated, or more than one race
    flag true); then the single race flagged. Unknown (None) counts as not flagged.
    """
    if hispanic_latino:
        return HISPANIC_LATINO
    races = [
        code
        for code, flagged in zip(
            SINGLE_RACE_CODES,
            (
                american_indian_alaska_native,
                asian,
                black_african_american,
                native_hawaiian_pacific_islander,
                white,
            ),
            strict=True,
        )
        if flagged
    ]
    if two_or_more_races or len(races) > 1:
        return TWO_OR_MORE_RACES
    return races[0] if races else None


def label(column: str, value: object, language: Language = "en") -> str:
    """The display label of a subgroup value, e.g. ``label("race_ethnicity", "HI7")``."""
    if value is None:
        return NOT_REPORTED.in_language(language)
    if column == "race_ethnicity":
        return RACE_ETHNICITY[str(value)].in_language(language)
    if column == "sex":
        return SEX[str(value)].in_language(language)
    if column in PROGRAM_FLAG_COLUMNS:
        yes_no = Label("Yes", "Sí") if value else Label("No", "No")
        return yes_no.in_language(language)
    raise KeyError(f"{column!r} is not a subgroup column")
