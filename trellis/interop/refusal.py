"""A refused file: the problems that stop it, each naming where in the file it is."""

from __future__ import annotations

#: How many problems a refusal lists; fixing twenty at a time is what a person can take in.
MAX_PROBLEMS = 20


class Refusal(Exception):
    """Raised by a reader that refuses a whole file. ``what`` names the file's kind in the message."""

    what = "file"
    consequence = ""

    def __init__(self, problems: list[str], *, more: bool = False) -> None:
        self.problems = problems[:MAX_PROBLEMS]
        self.more = more or len(problems) > MAX_PROBLEMS
        super().__init__(str(self))

    def __str__(self) -> str:
        lines = "\n".join(f"- {problem}" for problem in self.problems)
        more = "\n- (and more problems after these)" if self.more else ""
        noun = "problem" if len(self.problems) == 1 else "problems"
        return f"The {self.what} was refused ({len(self.problems)} {noun}){self.consequence}:\n{lines}{more}"
