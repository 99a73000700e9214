"""Demo commons: items shared by the synthetic state's districts, most of them published."""

from __future__ import annotations

import random
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction

from trellis.commons.competencies import area_ids
from trellis.commons.models import CommonsItem
from trellis.commons.services import commons_item_adopt, commons_item_create, commons_items_publish_many
from trellis.orgs.models import Membership, Organization, Role

#: The framework's areas by the names the practices below use.
AREA_CODES = {"human_centred": "AI-CFT.1", "ethics": "AI-CFT.2", "foundations": "AI-CFT.3", "pedagogy": "AI-CFT.4",
              "professional_learning": "AI-CFT.5"}

# (kind, format (empty when not professional learning), title, summary, how it works, competency areas)
PRACTICES = [
    ("pl_model", "plc", "AI writing feedback community of practice",
     "Teachers meet every two weeks to compare AI feedback on student drafts with their own.",
     "Each meeting a teacher brings three anonymised drafts, the feedback an AI tool gave and their own "
     "comments. The group looks for feedback that is wrong, generic or unfair to English learners, and "
     "agrees when AI feedback is worth sharing with students.", ["pedagogy", "ethics"]),
    ("coaching", "coaching", "Coaching cycles on AI-supported differentiation",
     "An instructional coach works with one teacher for six weeks on planning differentiated tasks with AI.",
     "Planning meeting, two classroom observations on the framework's pedagogy competencies, feedback "
     "and a reflection. The coach models checking AI output for accuracy and bias before it reaches "
     "students.", ["pedagogy", "human_centred"]),
    ("practice", "", "Citing AI like any other source",
     "Students note which AI tool they used, what they asked and what they kept, in every assignment.",
     "A one-page citation template, a short lesson on why citation matters, and a rubric row for honest "
     "use. Teachers grade the thinking, not the tool.", ["ethics"]),
    ("pl_model", "course", "AI foundations course for new teachers",
     "A four-session course on what AI is, how it fails, and the district's privacy rules.",
     "Sessions on how large language models work, hallucination and bias, student data privacy under "
     "FERPA and COPPA, and designing assignments that still show learning.", ["foundations", "ethics"]),
    ("exemplar", "", "Bias detective: auditing a chatbot's answers",
     "High-school students test a chatbot with questions about different communities and compare answers.",
     "Students write paired prompts that differ only in a name or a place, record the answers, and "
     "present what they found. A lesson in evidence, fairness and respectful debate.", ["ethics", "foundations"]),
    ("pl_model", "micro_credential", "Micro-credential: checking AI tools for accessibility",
     "Teachers earn a micro-credential by reviewing an AI tool against accessibility criteria.",
     "Participants review one tool with a screen reader and keyboard only, check captions and contrast, "
     "and write a short report the district uses when vetting tools.", ["human_centred", "foundations"]),
    ("coaching", "coaching", "Regional coaching network for rural districts",
     "A regional service center shares two AI coaches across nine small rural districts.",
     "Coaches visit each district monthly, run virtual office hours, and keep one caseload across the "
     "region so that small districts get the same support as large ones.", ["professional_learning", "pedagogy"]),
    ("practice", "", "AI tutor with a human check for math practice",
     "Students practise with an AI tutor; the teacher reviews every hint flagged as uncertain.",
     "The tutor is set to give hints, not answers. Each day the teacher looks at the hints students rated "
     "unhelpful and corrects them in class. Override rates are tracked by student group.",
     ["pedagogy", "human_centred"]),
    ("pl_model", "workshop", "Family night: what AI means for homework",
     "A one-evening session, in English and Spanish, for families about AI and homework.",
     "Teachers show how students may use AI, what the school's guidelines say, and how families can ask "
     "good questions at home. Interpreters and childcare are provided.", ["human_centred"]),
    ("exemplar", "", "Speaking assessment that AI cannot do for you",
     "An oral defence replaces part of a written essay, so learning shows whatever tools were used.",
     "Students explain their argument and answer two questions. The rubric rewards reasoning and use of "
     "evidence; teachers report fewer integrity disputes.", ["pedagogy"]),
    ("pl_model", "plc", "Early-adopter lab for AI lesson planning",
     "A group of volunteer teachers pilots AI lesson-planning tools and reports back to the district.",
     "Each member tries one tool for a unit, logs time saved and problems found, and presents at a staff "
     "meeting. The district's AI lead turns the findings into guidance.", ["professional_learning"]),
    ("practice", "", "English learners and AI translation: a careful routine",
     "A routine for using AI translation that keeps students' home languages and checks meaning.",
     "Students translate, then explain the text back in their own words to a partner. Teachers watch for "
     "errors the tool makes with regional varieties of Spanish.", ["pedagogy", "ethics"]),
]
SUBJECTS = ["ela", "math", "science", "social_studies", "english_learners", "all"]
GRADES = ["prek_2", "3_5", "6_8", "9_12", "all"]
PLACES = ["middle school", "elementary", "high school", "K-12"]


@transaction.atomic
def demo_commons(*, seed: int) -> int:
    """Share each practice from a few districts (once); returns how many items were added."""
    if CommonsItem.objects.exists():
        return 0
    rng = random.Random(seed)
    leads = list(Membership.objects.filter(role__in=[Role.DISTRICT_LEAD, Role.TEACHER, Role.COACH],
                                           person__is_active=True).select_related("person__user")[:50])
    state_lead = (get_user_model().objects.filter(person__memberships__role=Role.STATE_LEAD)
                  .order_by("pk").first())
    if not leads or state_lead is None:
        return 0
    added = 0
    reviewed: list[tuple[Any, dict[str, Any]]] = []
    for index, (kind, fmt, title, summary, how, areas) in enumerate(PRACTICES):
        for variant in range(1 + index % 3):
            place = PLACES[(index + variant) % len(PLACES)]
            author = rng.choice(leads).person.user
            fields = {
                "kind": kind, "format": fmt, "title": f"{title} ({place})" if variant else title,
                "summary": summary, "description": how,
                "served": f"{rng.randint(8, 120)} teachers in {rng.randint(1, 9)} schools, {place}.",
                "evidence": rng.choice(["", "Observation levels on the framework rose for most participants.",
                                        "Teachers' survey ratings of relevance rose from 3.1 to 4.2 of 5."]),
                "grade_band": rng.choice(GRADES), "subject": rng.choice(SUBJECTS),
                "competencies": area_ids(*(AREA_CODES[a] for a in areas)),
            }
            if rng.random() < 0.85:
                reviewed.append((author, fields))
            else:
                commons_item_create(actor=author, submit=True, fields=fields)
            added += 1
    commons_items_publish_many(actor=None, entries=reviewed)
    # One lead per district: a district may have several.
    districts_leads = list({m.organization_id: m for m in Membership.objects.filter(
        role=Role.DISTRICT_LEAD, organization__kind=Organization.Kind.DISTRICT).select_related(
        "person__user", "organization").order_by("-pk")}.values())
    for item in CommonsItem.objects.filter(status=CommonsItem.Status.PUBLISHED).order_by("pk")[:5]:
        for membership in districts_leads[:2]:
            commons_item_adopt(actor=membership.person.user, item=item, district=membership.organization)
    return added
