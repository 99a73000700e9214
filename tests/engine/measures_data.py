"""Small measure tables written from explicit teacher records, for the measures' tests."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from pathlib import Path

from trellis.engine.measures import write_table

AUTUMN, SPRING = datetime.date(2025, 10, 1), datetime.date(2026, 3, 1)


@dataclass
class Teacher:
    key: str
    district: str
    workshop_hours: float = 0.0
    durable_hours: float = 0.0
    # (competency, autumn level, spring level); empty: not observed
    levels: list[tuple[str, int, int]] = field(default_factory=list)
    coached: bool = False


def write_state(folder: Path, districts: list[tuple[str, int | None, str]], teachers: list[Teacher],
                outcomes: list[tuple[str, str, float, float]] | None = None) -> Path:
    """``districts``: (id, poverty quartile, locale); ``outcomes``: (student, teacher key, pre, post)."""
    write_table(folder, "districts", {
        "district_id": [d[0] for d in districts], "name": [f"District {d[0]}" for d in districts],
        "region": ["Region 1"] * len(districts), "locale": [d[2] for d in districts],
        "poverty_quartile": [d[1] for d in districts],
    })
    write_table(folder, "teachers", {"teacher_key": [t.key for t in teachers],
                                     "district_id": [t.district for t in teachers],
                                     "school_id": [f"{t.district}-s1" for t in teachers]})
    pl: dict[str, list] = {name: [] for name in ("teacher_key", "offering_id", "format", "ai_related", "hours", "date")}

    def add(key: str, offering: str, fmt: str, hours: float, ai: bool = True,
            day: datetime.date = datetime.date(2025, 11, 3)) -> None:
        for name, value in zip(pl, (key, offering, fmt, ai, hours, day), strict=True):
            pl[name].append(value)

    for t in teachers:
        if t.workshop_hours:
            add(t.key, "w1", "workshop", t.workshop_hours)
        if t.durable_hours:
            add(t.key, "c1", "course", t.durable_hours / 2)
            add(t.key, "c1", "course", t.durable_hours / 2, day=datetime.date(2026, 2, 2))
        # Neither PL on other topics nor PL of another school year counts.
        add(t.key, "x1", "course", 5.0, ai=False)
        add(t.key, "w0", "workshop", 7.0, day=datetime.date(2025, 6, 30))
    write_table(folder, "pl", pl)
    obs: dict[str, list] = {name: [] for name in ("teacher_key", "competency", "level", "date", "coached")}
    for t in teachers:
        for competency, autumn, spring in t.levels:
            for day, level in ((AUTUMN, autumn), (SPRING, spring)):
                for name, value in zip(obs, (t.key, competency, level, day, t.coached), strict=True):
                    obs[name].append(value)
    write_table(folder, "observations", obs)
    if outcomes is not None:
        write_table(folder, "outcomes", {"student_key": [o[0] for o in outcomes], "pre": [o[2] for o in outcomes],
                                         "post": [o[3] for o in outcomes]})
        write_table(folder, "class_teachers", {"student_key": [o[0] for o in outcomes],
                                               "teacher_key": [o[1] for o in outcomes]})
    return folder
