"""A year of professional learning shaped like a real one, shared by the demo and ``trellis synth``.

Each district offers a few one-time tool workshops and, less often, one durable format (a
course, a professional learning community or a micro-credential); high-poverty and rural
districts are offered less (the RAND finding in seed 000). :func:`district_learning` draws one
district's offerings; the demo loads them into the database, and :func:`write_learning_xapi`
writes what a learning system would report about them (registrations, attendance, completions)
for the synthetic state's teachers, as xAPI JSON Lines beside the roster.
"""

from __future__ import annotations

import datetime
import json
import random
import uuid
from dataclasses import dataclass
from pathlib import Path

from trellis.engine.quartiles import quartiles

WORKSHOP = "workshop"
WORKSHOP_TITLES = ("Getting started with AI chat tools", "AI for lesson planning in an afternoon",
                   "Grading faster with AI", "AI image tools in class", "Using the district's AI tutor")
WORKSHOP_COMPETENCY = "AI-CFT.3.2"
#: (format, title, competency) of the durable formats a district may offer.
DURABLE = (
    ("course", "Teaching with AI: a six-week course", "AI-CFT.4.2"),
    ("plc", "AI and fairness: a professional learning community", "AI-CFT.2.2"),
    ("micro_credential", "Micro-credential: checking AI output for bias", "AI-CFT.3.2"),
)
JOIN_SHARE = 0.6  # of a district's teachers, who register for an offering
PRESENT_SHARE = 0.85  # of those registered, present at each session
YEAR_START = datetime.date(2025, 9, 1)
XAPI_FILE = "xapi-statements.jsonl"
VERBS = "http://adlnet.gov/expapi/verbs/"
ACTIVITY_TYPES = {WORKSHOP: "http://adlnet.gov/expapi/activities/meeting"}
COURSE_TYPE = "http://adlnet.gov/expapi/activities/course"


@dataclass(frozen=True)
class PlannedOffering:
    format: str
    title: str
    competency: str
    sessions: int
    credit_hours: float

    @property
    def durable(self) -> bool:
        return self.format != WORKSHOP


def district_learning(rng: random.Random, *, index: int, poorer: bool, rural: bool) -> list[PlannedOffering]:
    """One district's offerings for the year: richer, non-rural districts offer more, and more of
    it durable. ``index`` picks the titles (the same district gets the same ones)."""
    reach = 1.0 - 0.35 * poorer - 0.25 * rural
    workshops = sum(rng.random() < reach for _ in range(4))
    planned = [PlannedOffering(WORKSHOP, WORKSHOP_TITLES[(index + n) % len(WORKSHOP_TITLES)], WORKSHOP_COMPETENCY,
                               sessions=1, credit_hours=2.0) for n in range(workshops)]
    if rng.random() < reach * 0.6:
        format, title, competency = DURABLE[index % len(DURABLE)]
        planned.append(PlannedOffering(format, title, competency, sessions=4, credit_hours=12.0))
    return planned


def session_day(rng: random.Random) -> datetime.date:
    return YEAR_START + datetime.timedelta(days=rng.randrange(0, 270))


def write_learning_xapi(roster_dir: Path, *, seed: int, out: Path | None = None) -> tuple[Path, int]:
    """Write the year's xAPI statements for the teachers of the OneRoster files in ``roster_dir``
    (to ``roster_dir / xapi-statements.jsonl`` unless ``out`` is given). Actors are the teachers'
    roster emails (``mbox``); every statement has a stable id, so the same roster and seed write
    the same file. Returns the file and the number of statements."""
    import duckdb

    with duckdb.connect() as connection:
        read = "read_csv(?, all_varchar=true, header=true)"
        districts = connection.execute(f"""
            WITH orgs AS (SELECT * FROM {read}),
                 schools AS (SELECT sourcedId AS school, parentSourcedId AS district FROM orgs WHERE type = 'school'),
                 students AS (SELECT r.userSourcedId, s.district FROM {read} r JOIN schools s
                              ON r.orgSourcedId = s.school WHERE r.role = 'student' AND r.roleType = 'primary')
            SELECT o.sourcedId, coalesce(o."metadata.locale", ''),
                   avg(CASE WHEN d."metadata.economicallyDisadvantaged" = 'true' THEN 1.0 ELSE 0.0 END)
            FROM orgs o LEFT JOIN students st ON st.district = o.sourcedId
            LEFT JOIN {read} d ON d.sourcedId = st.userSourcedId
            WHERE o.type = 'district' GROUP BY ALL ORDER BY o.sourcedId
        """, [str(roster_dir / "orgs.csv"), str(roster_dir / "roles.csv"),
              str(roster_dir / "demographics.csv")]).fetchall()
        teachers = connection.execute(f"""
            SELECT s.parentSourcedId, u.email
            FROM {read} r JOIN {read} u ON u.sourcedId = r.userSourcedId
            JOIN {read} s ON s.sourcedId = r.orgSourcedId AND s.type = 'school'
            WHERE r.role = 'teacher' AND coalesce(u.email, '') <> '' ORDER BY s.parentSourcedId, u.email
        """, [str(roster_dir / "roles.csv"), str(roster_dir / "users.csv"), str(roster_dir / "orgs.csv")]).fetchall()
    staff: dict[str, list[str]] = {}
    for district, email in teachers:
        staff.setdefault(district, [])
        if email not in staff[district]:
            staff[district].append(email)
    quartile = dict(zip([d[0] for d in districts], quartiles([float(d[2] or 0) for d in districts]), strict=True))
    rng = random.Random(seed)
    target = out or roster_dir / XAPI_FILE
    target.parent.mkdir(parents=True, exist_ok=True)
    written = 0
    with target.open("w", encoding="utf-8") as handle:
        for index, (district, locale, _share) in enumerate(districts):
            plan = district_learning(rng, index=index, poorer=quartile[district] >= 3,
                                     rural=locale in ("rural", "town"))
            for number, offering in enumerate(plan):
                activity = {"objectType": "Activity", "id": f"https://lms.state.example/offerings/{district}/{number}",
                            "definition": {"name": {"en-US": offering.title},
                                           "type": ACTIVITY_TYPES.get(offering.format, COURSE_TYPE)}}
                days = sorted(session_day(rng) for _ in range(offering.sessions))
                for email in staff.get(district, []):
                    if rng.random() >= JOIN_SHARE:
                        continue
                    events = [("registered", days[0] - datetime.timedelta(days=7))]
                    present = [day for day in days if rng.random() < PRESENT_SHARE]
                    events += [("attended", day) for day in present]
                    if len(present) == len(days):
                        events.append(("completed", days[-1]))
                    for step, (verb, day) in enumerate(events):
                        key = f"{seed}/{district}/{number}/{email}/{step}"
                        handle.write(json.dumps({
                            "id": str(uuid.uuid5(uuid.NAMESPACE_URL, key)),
                            "actor": {"objectType": "Agent", "mbox": f"mailto:{email}"},
                            "verb": {"id": VERBS + verb, "display": {"en-US": verb}},
                            "object": activity,
                            "timestamp": f"{day.isoformat()}T15:30:00Z",
                        }) + "\n")
                        written += 1
    return target, written
