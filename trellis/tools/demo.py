"""The demo's governance history: about thirty fictional AI tools, reviews in every state, decisions
(some near expiry, one expired), agreements (one lapsed, one joined from another district), pilots
and scaled deployments, incidents, opt-outs, overrides, and an audit upload of a writing detector
that flags English learners' essays far more often, run on the demo district's own students."""

from __future__ import annotations

import datetime
import random
import tempfile
from pathlib import Path
from typing import Any

import duckdb
from django.contrib.auth import get_user_model
from django.core.files import File
from django.db import transaction
from django.utils import timezone

from trellis.orgs.models import Membership, Organization, Role
from trellis.tools import services
from trellis.tools.models import Tool

VENDORS = ["Brightpath Labs", "Quillmark Learning", "Northstar EdAI", "Lumen & Slate", "Cedar Analytics",
           "Kite Reading Co.", "Mosaic Tutor Inc.", "Ridgeline Assess", "Open Meadow AI", "Harborlight Learning"]
PRODUCTS = [
    # product, what the AI does, student data, youngest age, what for
    ("Quillmark Detect", ["detects"], ["name", "written_work"], 11, "Checks essays for writing that may come from AI."),
    ("EssayCoach", ["scores", "generates"], ["name", "written_work"], 11, "Gives feedback on drafts of essays."),
    ("ReadAlong Buddy", ["tutors"], ["voice", "usage"], 5, "Listens to young children read aloud and helps."),
    ("MathPath Tutor", ["tutors", "recommends"], ["name", "assessment", "usage"], 8, "Math practice that adapts."),
    ("Early Warning Insight", ["predicts"], ["name", "assessment", "demographics", "usage"], 11,
     "Estimates which students may need support."),
    ("LessonSpark", ["generates"], [], 18, "Helps teachers draft lesson plans."),
    ("QuizForge", ["generates"], [], 18, "Writes practice quiz questions for teachers."),
    ("Lingo Bridge", ["generates", "tutors"], ["chat", "usage"], 10, "Translates and explains in a child's language."),
    ("ScienceSim Guide", ["tutors"], ["chat", "usage"], 12, "A guide for virtual science labs."),
    ("GradeAssist", ["scores"], ["name", "written_work", "assessment"], 12, "Suggests scores on short answers."),
    ("FocusWatch", ["detects"], ["images", "device"], 13, "Flags off-task screens during tests."),
    ("CourseMatch", ["recommends"], ["name", "assessment", "grade"], 14, "Suggests courses for high schoolers."),
    ("StoryStarter", ["generates"], ["written_work"], 8, "Gives story ideas to young writers."),
    ("HistoryChat", ["tutors", "generates"], ["chat"], 13, "Students ask questions of a history guide."),
    ("SpellWise", ["tutors"], ["written_work", "usage"], 6, "Spelling practice for early grades."),
    ("AttendancePredict", ["predicts"], ["name", "demographics", "usage"], 5, "Estimates who may miss school."),
    ("Accessibility Reader", ["generates"], ["usage"], 6, "Reads text aloud and simplifies it."),
    ("CodeBuddy", ["tutors", "generates"], ["chat", "written_work"], 12, "Helps students learn to code."),
    ("IEP Draft Helper", ["generates"], ["disability", "assessment"], 18, "Drafts plan language for staff."),
    ("Behavior Signals", ["predicts", "detects"], ["name", "demographics"], 8, "Flags behavior patterns."),
    ("Vocab Garden", ["recommends", "tutors"], ["usage"], 7, "Vocabulary practice that adapts."),
    ("ParentLetter AI", ["generates"], [], 18, "Helps staff write letters to families."),
    ("Lab Report Grader", ["scores"], ["written_work"], 13, "Suggests scores on lab reports."),
    ("Debate Partner", ["generates", "tutors"], ["chat"], 14, "Argues the other side for practice."),
    ("MusicMentor", ["tutors"], ["voice"], 9, "Listens to practice and gives tips."),
    ("Plagiarism Scout", ["detects"], ["written_work"], 12, "Compares work against sources."),
    ("CareerCompass", ["recommends"], ["assessment", "demographics"], 14, "Suggests career paths."),
    ("Phonics Pal", ["tutors"], ["voice", "usage"], 4, "Phonics games that listen."),
    ("Schedule Optimizer", ["recommends"], ["grade"], 18, "Suggests master schedules for staff."),
    ("Summary Lens", ["generates"], ["written_work"], 13, "Summarises readings for students."),
]


def today_plus(days: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=days)


def _pdf(path: Path) -> File:
    path.write_bytes(b"%PDF-1.7\n% demo agreement\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n")
    return File(path.open("rb"), name="signed-agreement.pdf")


@transaction.atomic
def _history(district: Organization, other: Organization, lead: Any, teacher: Any, state_lead: Any) -> Any:
    rng = random.Random(2026)
    schools = list(Organization.objects.filter(parent=district, kind=Organization.Kind.SCHOOL).order_by("name"))
    tools = [services.tool_create(
        actor=None, vendor=VENDORS[i % len(VENDORS)], product=product, summary=summary, ai_functions=functions,
        model_provider="In-house model" if i % 3 else "A large language model provider", provider_kind=(
            "internal" if i % 3 else "third_party"), student_data=data, youngest_age=age,
        privacy_policy_url=f"https://example.org/{i}/privacy", evidence_url=f"https://example.org/{i}/evidence"
        if i % 2 else "")
        for i, (product, functions, data, age, summary) in enumerate(PRODUCTS)]
    by_name = {tool.product: tool for tool in tools}
    outcomes = ["approved", "approved_with_conditions", "pilot_only", "approved", "denied"]
    folder = Path(tempfile.mkdtemp(prefix="trellis-demo-"))
    for index, tool in enumerate(tools[:14]):
        used_in = rng.sample(schools, k=min(len(schools), rng.randint(1, 3)))
        services.inventory_save(actor=None, district=district, tool=tool, schools=used_in,
                                grades=sorted(rng.sample(["03", "05", "06", "07", "08", "09", "10"], k=2)),
                                purpose=tool.summary)
        outcome = "approved_with_conditions" if tool.product == "Quillmark Detect" else outcomes[index % 5]
        expires = {2: today_plus(20), 5: today_plus(45)}.get(index, today_plus(300))
        decision = services.decision_record(
            actor=None, district=district, tool=tool, outcome=outcome, reasons="Reviewed by the district's team.",
            conditions="A teacher reads every output before it affects a student." if outcome ==
            "approved_with_conditions" else "", expires_on=None if outcome == "denied" else expires)
        if index == 7:  # a decision the district let lapse
            type(decision).objects.filter(pk=decision.pk).update(decided_on=today_plus(-400), expires_on=today_plus(-5))
        if outcome != "denied" and index % 4 != 3:
            coppa = "school_authorization" if tool.serves_under_13 else ""
            agreement = services.agreement_add(
                actor=None, district=district, tool=tool, starts_on=today_plus(-200), ends_on=today_plus(165),
                data_elements=tool.student_data, clauses=["purpose", "data_provided", "training", "breach",
                                                          "no_advertising"], coppa_basis=coppa,
                allows_piggyback=index % 2 == 0, upload=_pdf(folder / f"{index}.pdf"))
            if index == 9:
                type(agreement).objects.filter(pk=agreement.pk).update(starts_on=today_plus(-500),
                                                                       ends_on=today_plus(-10))
            if index == 0 and other.pk != district.pk:
                services.agreement_add(actor=None, district=other, tool=tool, starts_on=today_plus(-30),
                                       ends_on=today_plus(300), data_elements=tool.student_data, clauses=["purpose"],
                                       coppa_basis=coppa, piggyback_of=agreement)
    # Reviews in every state: the state's published ones, a district's draft and sent ones.
    for tool in tools[:3]:
        review = services.review_start(actor=state_lead, tool=tool,
                                       organization=Organization.objects.get(kind=Organization.Kind.STATE))
        ratings = {c.pk: {"rating": rng.choice(["meets", "meets", "meets_with_reservations", "does_not_meet"]),
                          "note": "Checked against the vendor's documents.", "evidence_url": ""}
                   for c in services.review_criteria(review)}
        services.review_rate(actor=state_lead, review=review, ratings=ratings, summary="The state's review.",
                             submit=True)
        services.review_publish(actor=state_lead, review=review)
    state_review = tools[0].reviews.first()
    services.review_start(actor=lead, tool=tools[0], organization=district, adopt=state_review)
    for tool, status in ((by_name["CourseMatch"], "submitted"), (by_name["HistoryChat"], "in_review"),
                         (by_name["Debate Partner"], "decided")):
        tool_request = services.request_create(actor=teacher, tool=tool, school=schools[0], grades=["07"],
                                               purpose="I would like to try this with my classes.")
        if status != "submitted":
            services.request_route(actor=lead, tool_request=tool_request, reviewers={"privacy": lead,
                                                                                    "instruction": lead})
        if status == "decided":
            services.decision_record(actor=lead, district=district, tool=tool, outcome="pilot_only",
                                     reasons="Worth a small pilot.", expires_on=today_plus(150),
                                     tool_request=tool_request)
    # Deployments: the detector in a pilot, a few tools at scale.
    detector = by_name["Quillmark Detect"]
    pilot = services.deployment_create(actor=None, district=district, tool=detector, schools=schools,
                                       grades=["06", "07", "08"], stage="pilot", starts_on=today_plus(-60),
                                       ends_on=today_plus(30), question="Does it find AI-written essays without "
                                       "flagging students unfairly?", success_measures="Teachers agree with "
                                       "nine flags in ten; no group flagged more than others.",
                                       participants="Grade 6–8 English teachers and their classes")
    services.pilot_evaluate(actor=lead, deployment=pilot, evaluation="Teachers found it quick, but it flagged "
                            "English learners' essays often.")
    from trellis.tools.models import Decision

    for product in ("LessonSpark", "MathPath Tutor", "Vocab Garden"):
        decision = Decision.objects.filter(district=district, tool=by_name[product]).first()
        if decision is not None and decision.allows_use:
            services.deployment_create(actor=None, district=district, tool=by_name[product], schools=schools,
                                       grades=["05", "06"], stage="scaled", starts_on=today_plus(-100))
    services.incident_report(actor=teacher, organization=schools[0], category="bias", severity="high",
                             tool=detector, description="It flagged three essays by my English learners that "
                             "they wrote themselves.")
    services.incident_report(actor=None, organization=schools[0], category="privacy", tool=by_name["ReadAlong Buddy"],
                             description="Does the reading app keep recordings of my son's voice?",
                             reporter_name="A parent", reporter_contact="parent@example.org")
    resolved = services.incident_report(actor=teacher, organization=schools[0], category="content", severity="low",
                                        tool=by_name["QuizForge"], description="A quiz answer was wrong.")
    services.incident_triage(actor=lead, incident=resolved, status="resolved", severity="low",
                             action_taken="Reported to the vendor; teachers check answers before use.")
    services.opt_out_submit(school=schools[0], parent_name="A parent", contact="555-0100", tool=detector, grade="07")
    from trellis.audits.models import Override

    reasons = [r for r, _ in Override.Reason.choices]
    for n in range(12):
        Override.objects.create(tool=detector, deployment=pilot, school=schools[0], output_kind="AI-writing flag",
                                ai_said="Likely AI-written", teacher_decided="Written by the student",
                                reason=reasons[n % len(reasons)], recorded_by=teacher)
    return pilot


def _detector_outputs(roster_dir: Path, district: Organization, target: Path) -> Path | None:
    """The detector's outputs on the demo district's students, from the roster's own files: wrong
    flags three times as often for English learners."""
    schools = list(Organization.objects.filter(parent=district).exclude(sourced_id=None)
                   .values_list("sourced_id", flat=True))
    users, demographics = roster_dir / "users.csv", roster_dir / "demographics.csv"
    if not schools or not users.exists() or not demographics.exists():
        return None
    connection = duckdb.connect()
    connection.execute("SELECT setseed(0.2026)")
    connection.execute(f"""
        COPY (
            SELECT student_id, flag, label,
                   CASE WHEN learner AND flag = 1 AND label = 0 THEN 0 ELSE flag END AS teacher_decision
            FROM (
                SELECT student_id, learner, label,
                       CASE WHEN label = 1 THEN CAST(r < 0.8 AS INTEGER)
                            ELSE CAST(r < (CASE WHEN learner THEN 0.3 ELSE 0.1 END) AS INTEGER) END AS flag
                FROM (
                    SELECT u.sourcedId AS student_id,
                           coalesce(d."metadata.englishLearner" = 'true', false) AS learner,
                           CASE WHEN random() < 0.15 THEN 1 ELSE 0 END AS label, random() AS r
                    FROM read_csv(?, all_varchar=true) u
                    JOIN read_csv(?, all_varchar=true) d USING (sourcedId)
                    WHERE u.primaryOrgSourcedId IN ({", ".join("?" for _ in schools)})
                )
            )
        ) TO '{target}' (HEADER)
    """, [str(users), str(demographics), *schools])
    connection.close()
    return target


def _ledger_overrides(roster_dir: Path, district: Organization, teacher: Any) -> int:
    """Overrides teachers recorded, naming students: of the detector's flags, teachers overrode
    English learners. about ten times as often as other students'; of the math tutor's
    recommendations, everyone's alike."""
    from django.conf import settings

    from trellis.audits.models import Override
    from trellis.interop.pseudonym import pseudonymise
    from trellis.tools.models import Deployment

    schools = {o.sourced_id: o for o in Organization.objects.filter(parent=district).exclude(sourced_id=None)}
    users, demographics = roster_dir / "users.csv", roster_dir / "demographics.csv"
    if not schools or not users.exists() or not demographics.exists():
        return 0
    connection = duckdb.connect()
    students = connection.execute(f"""
        SELECT u.sourcedId, u.primaryOrgSourcedId, coalesce(d."metadata.englishLearner" = 'true', false)
        FROM read_csv(?, all_varchar=true) u JOIN read_csv(?, all_varchar=true) d USING (sourcedId)
        WHERE u.primaryOrgSourcedId IN ({", ".join("?" for _ in schools)}) ORDER BY u.sourcedId
    """, [str(users), str(demographics), *schools]).fetchall()
    connection.close()
    key = settings.TRELLIS_PSEUDONYM_KEY.encode()
    chance = random.Random(20260)
    made = []
    for product, rates, kind, said, decided, reason in (
            ("Quillmark Detect", (0.4, 0.04), "AI-writing flag", "Likely AI-written", "Written by the student",
             Override.Reason.WRONG),
            ("MathPath Tutor", (0.06, 0.06), "Next lesson", "Repeat the unit", "Move on to fractions",
             Override.Reason.CONTEXT)):
        tool = Tool.objects.get(product=product)
        deployment = Deployment.objects.filter(district=district, tool=tool).first()
        for sourced_id, school, learner in students:
            if chance.random() < rates[0 if learner else 1]:
                made.append(Override(tool=tool, deployment=deployment, school=schools[school], output_kind=kind,
                                     ai_said=said, teacher_decided=decided, reason=reason, recorded_by=teacher,
                                     student_key=pseudonymise(key, sourced_id)))
    Override.objects.bulk_create(made)
    return len(made)


def governance_demo_load(*, roster_dir: Path) -> None:
    """Load the governance history once, after the synthetic state and its logins exist."""
    if Tool.objects.exists():
        return
    user_model = get_user_model()
    lead = user_model.objects.get(username="district.lead")
    district = Membership.objects.get(person__user=lead, role=Role.DISTRICT_LEAD).organization
    other = (Organization.objects.filter(kind=Organization.Kind.DISTRICT).exclude(pk=district.pk)
             .order_by("name").first()) or district
    pilot = _history(district, other, lead, user_model.objects.get(username="teacher"),
                     user_model.objects.get(username="state.lead"))
    _ledger_overrides(roster_dir, district, user_model.objects.get(username="teacher"))
    outputs = _detector_outputs(roster_dir, district, Path(tempfile.mkdtemp()) / "quillmark_outputs.csv")
    if outputs is None:
        return
    from django.conf import settings

    from trellis.audits.services import audit_upload_start

    runner, settings.TRELLIS_JOB_RUNNER = settings.TRELLIS_JOB_RUNNER, "inline"  # finished before the server starts
    try:
        with outputs.open("rb") as handle:
            audit_upload_start(actor=None, deployment=pilot, upload=File(handle, name=outputs.name),
                               id_column="student_id", prediction_column="flag", label_column="label",
                               human_column="teacher_decision")
    finally:
        settings.TRELLIS_JOB_RUNNER = runner
        outputs.unlink(missing_ok=True)
