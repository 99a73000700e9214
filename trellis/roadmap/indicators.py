"""The district roadmap's three stages and their indicators, and the state's actions by intensity.

Written in Trellis's own words from two sources: the three overlapping stages of district work on
AI (policy; organizational learning; improvement and transformation) from a commentary for
California districts (PACE, 2023), and the low-, medium- and high-intensity state actions of the
policy memo "Building Human Infrastructure to Mitigate AI Fairness Harms in K-12 Education".
Keys are stable: ratings are stored against them, so a key is never reused for another meaning.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Indicator:
    key: str
    title: str
    description: str
    next_step: str
    #: A word to look for in the commons: published items that help with this indicator.
    commons_query: str = ""


@dataclass(frozen=True)
class Stage:
    number: int
    title: str
    summary: str
    indicators: tuple[Indicator, ...]


STAGES: tuple[Stage, ...] = (
    Stage(
        1, "Policy and guidance",
        "Address the immediate risks so that AI does not undermine learning this year.",
        (
            Indicator("policy.no_ban", "No blanket ban",
                      "Broad bans on AI, or on particular AI tools, are gone. Guidance lets staff try AI safely "
                      "in their work and their classrooms.",
                      "Replace any blanket ban with guidance that says when and how AI may be used in class.",
                      commons_query="guidelines"),
            Indicator("policy.integrity", "Academic integrity guidelines",
                      "Guidelines help teachers see how students might misuse AI and how to adapt assignments "
                      "and assessment so that learning still shows.",
                      "Write short guidelines on AI and academic integrity, with examples of adapted assignments.",
                      commons_query="integrity"),
            Indicator("policy.privacy", "Privacy policy for AI tools",
                      "A written policy keeps the personal data AI tools collect to a minimum, keeps identifiable "
                      "student data away from AI tools without written permission from families (FERPA), and "
                      "treats children under 13 as the children's privacy rule (COPPA) requires.",
                      "Adopt a privacy policy for AI tools that covers FERPA consent and children under 13.",
                      commons_query="privacy"),
            Indicator("policy.override", "People can review and override AI",
                      "Staff know that AI outputs can carry bias. A person reviews what AI produces about "
                      "students and can always agree with it or override it.",
                      "State in policy that a person reviews AI outputs about students and may override them.",
                      commons_query="override"),
            Indicator("policy.training", "Basic AI training for all staff",
                      "Every staff member has had a short introduction to what AI is, the district's guidelines "
                      "and academic integrity.",
                      "Offer every staff member a short introduction to AI and the district's guidelines.",
                      commons_query="foundations"),
        ),
    ),
    Stage(
        2, "Organizational learning",
        "Turn what early adopters learn into what the district knows.",
        (
            Indicator("learning.lead", "A lead for AI work",
                      "A named person or team leads the district's AI work and has time set aside for it.",
                      "Name a person or team to lead AI work and set aside time for it.",
                      commons_query="lead"),
            Indicator("learning.early_adopters", "Early adopters supported",
                      "Teachers who are exploring AI are connected to resources and small pilots, through "
                      "professional learning communities or similar groups.",
                      "Start a professional learning community for early adopters, with small pilots.",
                      commons_query="community"),
            Indicator("learning.listening", "Learning gathered from everyone",
                      "The district gathers what early adopters and hesitant staff learn, and listens to "
                      "teachers, administrators, families and students through regular channels.",
                      "Set up regular ways to hear from teachers, families and students about AI.",
                      commons_query="families"),
            Indicator("learning.instruction_guidelines", "Guidelines for AI in instruction",
                      "Guidelines for using AI in teaching exist, including how families can support AI use "
                      "outside school.",
                      "Write guidelines for AI in instruction, with a section for families.",
                      commons_query="guidelines"),
            Indicator("learning.adoption_policy", "A policy for adopting AI tools",
                      "A policy says how AI tools are vetted, piloted and adopted more widely.",
                      "Adopt a policy for vetting, piloting and scaling AI tools.",
                      commons_query="pilot"),
        ),
    ),
    Stage(
        3, "Improvement and transformation",
        "Spread AI's benefits equitably, once the district knows enough to use its resources well.",
        (
            Indicator("transform.pilot_first", "Pilot before scaling",
                      "AI tools are piloted and evaluated, including for fairness, before they are used widely.",
                      "Require a pilot with an evaluation and a fairness check before any tool is used widely.",
                      commons_query="pilot"),
            Indicator("transform.equity", "Equitable spread",
                      "Decisions about where AI is used make sure every student's learning is supported, not "
                      "only students in well-resourced schools.",
                      "Check which schools and students AI-supported learning reaches, and close the gaps.",
                      commons_query="rural"),
            Indicator("transform.expectations", "Courses and expectations reviewed",
                      "Course offerings and expectations for what students learn have been reviewed for a world "
                      "with AI in it.",
                      "Review course offerings and learning expectations for a world with AI in it.",
                      commons_query="assessment"),
            Indicator("transform.return", "Spending that pays off",
                      "The district checks whether its spending on educational technology improves learning, "
                      "and stops what does not.",
                      "Compare what each tool costs with what it does for learning, and drop what does not help.",
                      commons_query="evaluation"),
            Indicator("transform.shared_vision", "A shared vision with staff",
                      "District leaders and staff, including their unions, share a vision of how AI should "
                      "change roles and work.",
                      "Bring leaders, staff and unions together to agree how AI should change roles.",
                      commons_query="coaching"),
        ),
    ),
)

INDICATORS: dict[str, Indicator] = {i.key: i for stage in STAGES for i in stage.indicators}
STAGE_OF: dict[str, int] = {i.key: stage.number for stage in STAGES for i in stage.indicators}


@dataclass(frozen=True)
class StateAction:
    key: str
    intensity: str  # low | medium | high
    text: str


INTENSITY_LABELS = {"low": "Low intensity", "medium": "Medium intensity", "high": "High intensity"}

STATE_ACTIONS: tuple[StateAction, ...] = (
    StateAction("low.allowable_uses", "low",
                "Say plainly in existing guidance, such as the ESEA Title program funding guidance, that federal "
                "and state funds can pay for professional learning on AI-enabled instruction."),
    StateAction("low.collect_examples", "low",
                "Collect examples of well-aligned professional learning to show what a good investment in "
                "people looks like."),
    StateAction("medium.vision", "medium",
                "Set out a statewide vision for AI-enabled instruction and responsible AI, and build it into "
                "grant-making."),
    StateAction("medium.alignment_workshops", "medium",
                "Hold alignment workshops and publish sample budgets that combine funding sources."),
    StateAction("medium.pl_model", "medium",
                "Create and share a high-quality professional learning model on AI fairness and use, and "
                "encourage districts to adopt it through local or regional coaching networks."),
    StateAction("high.durable_structures", "high",
                "Build lasting professional learning into policy: roles for instructional technology coaches in "
                "state rules, and career paths from teacher to coach."),
    StateAction("high.cross_department", "high",
                "Set up an office or leadership team that brings curriculum, assessment, technology and "
                "professional learning together."),
)

STATE_ACTION_KEYS = {a.key for a in STATE_ACTIONS}
