"""The funding streams Trellis starts with, and the state's statement of what each may pay for.
The statements say plainly that professional learning on AI is an allowable use, as the state is
urged to do (name allowable uses in the guidance of every professional learning stream)."""

from __future__ import annotations

SEEDED_STREAMS: tuple[dict[str, object], ...] = (
    {
        "code": "title-ii-a",
        "name": "ESEA Title II, Part A (Supporting Effective Instruction)",
        "position": 1,
        "description": "Federal formula funds to raise the quality of teachers, principals and other school leaders.",
        "allowable_uses": (
            "Title II-A may pay for evidence-based professional learning that is sustained, intensive, "
            "collaborative, job-embedded, data-driven and classroom-focused.\n\n"
            "Professional learning on AI-enabled instruction is an allowable use. This includes coaching "
            "cycles, professional learning communities, multi-session courses and micro-credentials on "
            "using AI well and responsibly: AI fairness and bias, ethical use of student data, critical "
            "thinking about AI outputs, and integrating AI tools into standards-aligned instruction.\n\n"
            "Priority goes to durable formats over one-time tool trainings, and to activities aligned with "
            "the state's vision of AI-enabled instruction and its competency framework."),
    },
    {
        "code": "title-iv-a",
        "name": "ESEA Title IV, Part A (Student Support and Academic Enrichment)",
        "position": 2,
        "description": "Federal formula funds for a well-rounded education, safe and healthy schools, "
                       "and the effective use of technology.",
        "allowable_uses": (
            "Title IV-A's effective-use-of-technology purpose may pay for professional learning that helps "
            "educators use technology, data and digital tools to improve instruction.\n\n"
            "Professional learning on AI-enabled instruction is an allowable use, as are the supports that "
            "make it safe: vetting AI tools against the state's rubric, privacy and accessibility reviews, "
            "and fairness audits of AI tools on local data. No more than 15 percent of the technology "
            "portion may buy devices, equipment or software."),
    },
    {
        "code": "state",
        "name": "State professional learning funds",
        "position": 3,
        "description": "The state's own appropriation for educator professional learning.",
        "allowable_uses": (
            "State professional learning funds may pay for any professional learning aligned with the "
            "state's vision of AI-enabled instruction and its competency framework.\n\n"
            "Professional learning on AI is an allowable use. The state gives priority to ongoing roles and "
            "regional coaching networks (AI readiness coaches, coaching shared across districts through the "
            "regional service center) over one-time workshops."),
    },
)


def seed_streams(model: type) -> None:
    """Create the streams Trellis starts with where they are missing (``model`` is FundingStream, or
    its historical model in a migration)."""
    for stream in SEEDED_STREAMS:
        model.objects.get_or_create(code=stream["code"], defaults={**stream, "ai_pl_allowable": True})
