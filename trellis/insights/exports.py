"""Exports of the cross-silo view for state data systems: CSV of the district rows, and the
professional learning events with their attendance shaped as Ed-Fi resources.

The Ed-Fi shape follows the Teacher Preparation Data Model extension (TPDM-Core 1.x, Ed-Fi
ODS/API 5.x and 6.x: ``tpdm.ProfessionalDevelopmentEvent`` and
``tpdm.ProfessionalDevelopmentEventAttendance``): an event is keyed by ``namespace`` and
``professionalDevelopmentTitle`` (at most 60 characters) and carries
``professionalDevelopmentOfferedByDescriptor``, ``totalHours`` (a whole number),
``multipleSession``, ``required`` and ``professionalDevelopmentReason``; an attendance is keyed by
``attendanceDate``, the event reference and the person reference (``personId``, at most 32
characters, with its ``sourceSystemDescriptor``) and carries ``attendanceEventCategoryDescriptor``.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count
from django.http import Http404
from django.utils import timezone

from trellis.insights.measures_sections import GROUP_LABELS, cell
from trellis.insights.overview import Overview, OverviewRow, can_view_overview, measure_heading
from trellis.interop.csv_export import write_csv
from trellis.learning.models import Attendance, Offering
from trellis.orgs.models import Membership, Organization
from trellis.orgs.permissions import visible_organizations_q

EDFI_STANDARD = (
    "Ed-Fi TPDM-Core 1.x (ODS/API 5.x/6.x): ProfessionalDevelopmentEvent, ProfessionalDevelopmentEventAttendance"
)
EDFI_TITLE_LENGTH = 60
EDFI_PERSON_ID_LENGTH = 32
ATTENDED = "uri://ed-fi.org/AttendanceEventCategoryDescriptor#In Attendance"
# Ed-Fi's default attendance categories tell excused from unexcused absences; Trellis records only
# present or not, so an absence is a category of Trellis's own namespace rather than a guess.
ABSENT = "uri://trellis.k12/AttendanceEventCategoryDescriptor#Absent"
OFFERED_BY = "uri://trellis.k12/ProfessionalDevelopmentOfferedByDescriptor#"
SOURCE_SYSTEM_ROSTER = "uri://ed-fi.org/SourceSystemDescriptor#District"
SOURCE_SYSTEM_TRELLIS = "uri://ed-fi.org/SourceSystemDescriptor#Other"


def overview_columns(rows: Sequence[OverviewRow]) -> list[tuple[str, Any]]:
    """The columns of the cross-silo table as (heading, value of a row): the page's table, the
    CSV and the API all read them from here, so they cannot disagree."""
    columns: list[tuple[str, Any]] = [
        ("District", lambda r: r.district.name),
        ("NCES id", lambda r: r.district.nces_id),
        ("Region", lambda r: r.region.name if r.region else ""),
        ("Locale", lambda r: r.district.get_locale_display() or "Not known"),
        ("Poverty level", lambda r: r.quartile_label),
    ]
    extra_headings: list[str] = []
    for row in rows:
        for heading in row.extra:
            if heading not in extra_headings:
                extra_headings.append(heading)
    columns += [(heading, lambda r, h=heading: r.extra.get(h, "")) for heading in extra_headings]
    columns += [
        ("Vetted tools", lambda r: r.vetted_tools),
        ("Fairness audits", lambda r: r.audits),
        ("Open incidents", lambda r: r.open_incidents),
        ("Open high-severity incidents", lambda r: r.open_high_incidents),
        ("Roadmap stage", lambda r: r.stage_label),
    ]
    return columns


def comparison_table(overview: Overview) -> list[list[str]]:
    """The statewide comparison rows as table cells: measure, group, value, interval, teachers."""
    return [[measure_heading(row.measure, overview.measures), GROUP_LABELS.get(row.group, row.group), *cell(row)]
            for row in overview.comparison]


def overview_csv(rows: Sequence[OverviewRow]) -> str:
    columns = overview_columns(rows)
    handle = io.StringIO(newline="")
    write_csv(handle, [heading for heading, _ in columns], ([value(row) for _, value in columns] for row in rows))
    return handle.getvalue()


def _event_title(offering: Offering) -> str:
    suffix = f" [{offering.pk}]"
    return offering.title[: EDFI_TITLE_LENGTH - len(suffix)].rstrip() + suffix


def _person_id(person_pk: int, sourced_id: str | None) -> tuple[str, str]:
    if sourced_id and len(sourced_id) <= EDFI_PERSON_ID_LENGTH:
        return sourced_id, SOURCE_SYSTEM_ROSTER
    return f"trellis-{person_pk}", SOURCE_SYSTEM_TRELLIS


def visible_staff_ids(user: Any, person_ids: Iterable[int]) -> set[int]:
    """Of ``person_ids``, the people whose roles lie where ``user`` may see staff (the rule of the
    staff lists): only their names go into an export."""
    return set(Membership.objects.filter(
        person_id__in=list(person_ids), person__is_active=True,
        organization__in=Organization.objects.filter(visible_organizations_q(user)),
    ).values_list("person_id", flat=True))


def edfi_professional_development(*, user: Any, namespace: str) -> dict[str, Any]:
    """Every offering with sessions, as Ed-Fi ProfessionalDevelopmentEvent resources, and the
    attendance taken at their sessions as ProfessionalDevelopmentEventAttendance resources (one
    per person and session date). A staff member's name is added (``_ext.trellis.staffName``)
    only for readers who may see that person on the staff lists."""
    if not can_view_overview(user):
        raise Http404("No such page.")
    offerings = list(Offering.objects.annotate(session_count=Count("sessions")).filter(session_count__gt=0)
                     .order_by("pk"))
    events = []
    titles: dict[int, str] = {}
    for offering in offerings:
        titles[offering.pk] = _event_title(offering)
        events.append({
            "namespace": namespace,
            "professionalDevelopmentTitle": titles[offering.pk],
            "professionalDevelopmentOfferedByDescriptor": OFFERED_BY + offering.get_provider_display(),
            "totalHours": int(Decimal(offering.credit_hours).quantize(Decimal(1), rounding=ROUND_HALF_UP)),
            "multipleSession": offering.session_count > 1,
            "required": False,
            "professionalDevelopmentReason": offering.get_format_display()[:60],
        })
    attendance = list(
        Attendance.objects.filter(session__offering_id__in=titles)
        .order_by("session__starts_at", "session__offering_id", "person_id")
        .values_list("session__offering_id", "session__starts_at", "person_id", "person__sourced_id",
                     "person__given_name", "person__family_name", "present")
    )
    named = visible_staff_ids(user, {row[2] for row in attendance})
    records = []
    for offering_id, starts_at, person_id, sourced_id, given, family, present in attendance:
        person, source = _person_id(person_id, sourced_id)
        record: dict[str, Any] = {
            "attendanceDate": timezone.localtime(starts_at).date().isoformat(),
            "professionalDevelopmentEventReference": {
                "namespace": namespace, "professionalDevelopmentTitle": titles[offering_id],
            },
            "personReference": {"personId": person, "sourceSystemDescriptor": source},
            "attendanceEventCategoryDescriptor": ATTENDED if present else ABSENT,
        }
        if person_id in named:
            record["_ext"] = {"trellis": {"staffName": f"{given} {family}".strip()}}
        records.append(record)
    return {
        "standard": EDFI_STANDARD,
        "professionalDevelopmentEvents": events,
        "professionalDevelopmentEventAttendances": records,
    }
