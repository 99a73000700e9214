"""What a roster import did, or would do, in the words a person reads."""

from __future__ import annotations

from dataclasses import dataclass, field

from trellis.core.services import UserFacingError


@dataclass
class RosterImportResult:
    counts: dict[str, int]
    warnings: list[str]
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    scope_id: int | None = None
    #: What the import takes away, per district (or the organization above the districts) and
    #: kind: {"Cedar Valley Unified": {"Staff switched off": 3, "Students removed": 40}}.
    removals: dict[str, dict[str, int]] = field(default_factory=dict)

    @property
    def removes_anything(self) -> bool:
        return any(any(kinds.values()) for kinds in self.removals.values())


class RosterNotConfirmed(UserFacingError):
    """The import would switch off staff or remove students, and that was not confirmed; nothing
    was changed. ``plan`` is what it would have done."""

    def __init__(self, plan: RosterImportResult) -> None:
        self.plan = plan
        super().__init__("This import would switch off staff or remove students; nothing was changed until "
                         "that is confirmed.")


#: Kinds of removal, in the order a preview lists them.
REMOVAL_KINDS = ("Staff switched off", "Roles removed", "Students removed")


COUNT_LABELS = {
    "orgs:state": "State", "orgs:local": "Regional service centers", "orgs:district": "Districts",
    "orgs:school": "Schools", "orgs:department": "Departments (placed at their schools)",
    "orgs_skipped": "Organizations of other kinds (left out)", "staff": "Staff", "students": "Students",
    "classes": "Classes", "enrollments": "Class enrollments", "guardians_dropped": "Parents and guardians (left out)",
    "students_tobedeleted": "Students marked to be removed", "student_updates_only": "Student records only updated",
}


def plain_counts(counts: dict[str, int]) -> dict[str, int]:
    """A roster's counts under the words a person reads ("Districts", not ``orgs:district``)."""
    plain: dict[str, int] = {}
    for key, number in counts.items():
        if key.startswith("staff:"):
            label = f"Staff with the role {key.removeprefix('staff:')}"
        else:
            label = COUNT_LABELS.get(key, key.replace("_", " ").capitalize())
        plain[label] = number
    return plain



def change_summary(result: RosterImportResult) -> str:
    """One line of what an import added, changed, switched off and removed."""
    parts = [f"added {n:,} {what.lower()}" for what, n in result.created.items()]
    parts += [f"{what.lower()}: {n:,}" for what, n in result.updated.items()]
    removed: dict[str, int] = {}
    for kinds in result.removals.values():
        for kind, number in kinds.items():
            removed[kind] = removed.get(kind, 0) + number
    parts += [f"{kind.lower()}: {n:,}" for kind, n in removed.items() if n and kind != "Roles removed"]
    return "; ".join(parts) or "nothing changed"


