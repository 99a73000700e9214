"""What each school-level role comes to Trellis for, shown on their home page."""

from __future__ import annotations

from dataclasses import dataclass

from trellis.orgs.models import Organization, Role


@dataclass(frozen=True)
class Task:
    title: str
    description: str
    url_name: str = ""  # a page of the person's school; empty while Trellis does not have it yet


SCHOOL_TASKS: dict[Role, tuple[str, list[Task]]] = {
    Role.SCHOOL_LEADER: ("What school leaders do in Trellis", [
        Task("Know your staff", "See who at your school has a Trellis account, and their roles.", "staff-list"),
        Task("Walkthroughs and observations",
             "Plan classroom walkthroughs and record what you see against your school's rubric."),
        Task("Professional learning communities",
             "Set up your school's learning communities on AI in teaching and follow their work."),
        Task("AI tools at your school", "See which AI tools your school uses and whether each one was vetted."),
    ]),
    Role.COACH: ("What instructional coaches do in Trellis", [
        Task("The teachers you support", "See the staff of your school and their roles.", "staff-list"),
        Task("Coaching cycles", "Log coaching cycles with the teachers you support: goals, sessions and what changed."),
        Task("Classroom observations", "Record observations against the rubric and share feedback with the teacher."),
    ]),
    Role.TEACHER: ("What teachers do in Trellis", [
        Task("Find professional learning",
             "Find and join workshops, courses and learning communities on using AI in teaching."),
        Task("Check your own progress", "Assess yourself against the AI competency framework for teachers."),
        Task("Say what works", "Tell your district what works, and what does not, with AI tools in your classroom."),
        Task("Report a problem with an AI tool", "Report an incident or a biased output so your district can act."),
    ]),
}


def school_tasks(role: Role, organization: Organization) -> tuple[str, list[Task]] | None:
    """The heading and tasks for a school-level role's home page, or None for other roles."""
    if organization.kind != Organization.Kind.SCHOOL:
        return None
    return SCHOOL_TASKS.get(role)
