"""What the reader says about a roster: problems that refuse it, warnings that do not."""

from __future__ import annotations

from dataclasses import dataclass, field

#: How many problems a refusal lists; fixing twenty at a time is what a person can take in.
MAX_PROBLEMS = 20


def _where(file: str, row: int | None, column: str | None) -> str:
    parts = [file]
    if row is not None:
        parts.append(f"row {row}")
    if column is not None:
        parts.append(f'column "{column}"')
    return ", ".join(parts)


@dataclass(frozen=True)
class RosterProblem:
    """Something that stops the import.

    ``row`` is the line number as a spreadsheet shows it (the header is row 1), or None when the
    problem is about a whole file or column. Messages never quote a student's name, email or id.
    """

    file: str
    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        return f"{_where(self.file, self.row, self.column)}: {self.message}"


@dataclass(frozen=True)
class RosterWarning:
    """Something the reader accepted but a person should know about."""

    file: str
    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        return f"{_where(self.file, self.row, self.column)}: {self.message}"


class RosterError(Exception):
    """The roster was refused. ``problems`` lists up to :data:`MAX_PROBLEMS` of the reasons."""

    def __init__(self, problems: list[RosterProblem], *, more: bool = False) -> None:
        self.problems = list(problems)
        self.more = more
        super().__init__(str(self))

    def __str__(self) -> str:
        count = len(self.problems)
        noun = "problem" if count == 1 else "problems"
        head = f"The roster was not imported. Fix {'these' if count > 1 else 'this'} {noun}"
        head += " (and look for more of the same kind):" if self.more else ":"
        return "\n".join([head, *(f"- {problem}" for problem in self.problems)])


@dataclass
class Findings:
    """Collects problems (up to the limit) and warnings while a roster is read."""

    problems: list[RosterProblem] = field(default_factory=list)
    warnings: list[RosterWarning] = field(default_factory=list)
    more: bool = False

    @property
    def room(self) -> int:
        """How many more problems are worth finding."""
        return max(MAX_PROBLEMS - len(self.problems), 0)

    def refuse(self, file: str, message: str, *, row: int | None = None, column: str | None = None) -> None:
        if self.room:
            self.problems.append(RosterProblem(file, row, column, message))
        else:
            self.more = True

    def warn(self, file: str, message: str, *, row: int | None = None, column: str | None = None) -> None:
        self.warnings.append(RosterWarning(file, row, column, message))

    def raise_if_refused(self) -> None:
        if self.problems:
            raise RosterError(self.problems, more=self.more)
