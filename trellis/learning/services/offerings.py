"""Every write to offerings, sessions, registrations and attendance.

Credit hours and completion follow attendance: a participant earns the hours of each session they
were present at, and on being present at every session completes the offering, earns its full
credit hours and gets a certificate of completion. Correcting attendance corrects both.
"""

from __future__ import annotations

import csv
import io
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from trellis.core.services import UserFacingError, audit_record
from trellis.learning.models import Attendance, Competency, Offering, OfferingSession, Registration
from trellis.learning.permissions import can_organize, is_open_to
from trellis.learning.selectors import ACTIVE_STATUSES as ACTIVE
from trellis.learning.services.coaching import staff_person
from trellis.orgs.models import Organization, Person

PRESENT_WORDS = {"": True, "yes": True, "y": True, "present": True, "true": True, "1": True, "x": True,
                 "no": False, "n": False, "absent": False, "false": False, "0": False}
IDENTIFIER_COLUMNS = ("email", "username", "sourcedid")


class SignInSheetRefused(UserFacingError):
    """A sign-in sheet that cannot be recorded; the message names the file, row and column."""


def _require_organizer(actor: Any, organization: Organization) -> None:
    if actor is not None and not can_organize(actor, organization):
        raise PermissionDenied("Only the organizers of this offering can do that.")


@transaction.atomic
def offering_create(*, actor: Any, organization: Organization, title: str, format: str, provider: str,
                    modality: str, credit_hours: Decimal, description: str = "", vendor_name: str = "",
                    audience: str = "", cost: Decimal = Decimal(0), capacity: int | None = None,
                    competencies: list[Competency] | None = None, xapi_activity_id: str = "",
                    status: str = Offering.Status.PUBLISHED) -> Offering:
    """A new offering; a draft is seen by its organizers only and opens when it is published."""
    _require_organizer(actor, organization)
    offering = Offering(
        organization=organization, title=title, format=format, provider=provider, modality=modality,
        credit_hours=credit_hours, description=description, vendor_name=vendor_name, audience=audience,
        cost=cost, capacity=capacity, xapi_activity_id=xapi_activity_id,
        status=status, is_open=status == Offering.Status.PUBLISHED,
        created_by=Person.objects.filter(user=actor).first() if actor is not None else None,
    )
    offering.full_clean()
    offering.save()
    if competencies:
        offering.competencies.set(competencies)
    audit_record(actor=actor, action="offering.create", target=offering, organization_id=organization.pk,
                 summary=f"Added the offering {offering.title} ({offering.get_format_display().lower()})")
    return offering


@transaction.atomic
def offering_publish(*, actor: Any, offering: Offering) -> Offering:
    """Publish a draft offering (one a district started from the commons): staff may then join it."""
    offering = Offering.objects.select_for_update().get(pk=offering.pk)
    _require_organizer(actor, offering.organization)
    if offering.status != Offering.Status.DRAFT:
        raise ValidationError("This offering is already published.")
    offering.status = Offering.Status.PUBLISHED
    offering.is_open = True
    offering.full_clean()
    offering.save(update_fields=["status", "is_open", "updated_at"])
    audit_record(actor=actor, action="offering.publish", target=offering, organization_id=offering.organization_id,
                 summary=f"Published the offering {offering.title}")
    return offering


@transaction.atomic
def session_add(*, actor: Any, offering: Offering, starts_at: datetime, hours: Decimal,
                location: str = "") -> OfferingSession:
    _require_organizer(actor, offering.organization)
    session = OfferingSession(offering=offering, starts_at=starts_at, hours=hours, location=location)
    session.full_clean()
    session.save()
    for registration in offering.registrations.filter(status__in=ACTIVE):
        _recompute(registration)  # a new session is one more to attend before completing
    audit_record(actor=actor, action="offering.session_add", target=session,
                 organization_id=offering.organization_id,
                 summary=f"Added a session of {offering.title} on {starts_at:%Y-%m-%d}")
    return session


@transaction.atomic
def registration_join(*, actor: Any, offering: Offering) -> Registration:
    """Register the signed-in person; when the offering is full they join the waitlist."""
    person = staff_person(actor)
    offering = Offering.objects.select_for_update().get(pk=offering.pk)
    if not is_open_to(actor, offering.organization):
        raise PermissionDenied("This offering is not open to staff of your organization.")
    if not offering.is_open or offering.status != Offering.Status.PUBLISHED:
        raise PermissionDenied("Registration for this offering is closed.")
    registration = Registration.objects.filter(offering=offering, person=person).first()
    if registration is not None and registration.status != Registration.Status.CANCELLED:
        return registration
    taken = offering.registrations.filter(status__in=ACTIVE).count()
    full = offering.capacity is not None and taken >= offering.capacity
    status = Registration.Status.WAITLISTED if full else Registration.Status.REGISTERED
    if registration is None:
        registration = Registration(offering=offering, person=person, status=status)
    else:
        registration.status = status
        registration.created_at = timezone.now()  # back of the waitlist, not its old place
    registration.full_clean()
    registration.save()
    joined = "joined the waitlist of" if full else "registered for"
    audit_record(actor=actor, action="registration.join", target=registration,
                 organization_id=offering.organization_id, summary=f"{person.full_name} {joined} {offering.title}")
    return registration


@transaction.atomic
def registration_cancel(*, actor: Any, registration: Registration) -> Registration:
    """Cancel one's own registration (or, for an organizer, anyone's); the first on the waitlist moves up."""
    registration = Registration.objects.select_for_update().select_related("offering", "person").get(
        pk=registration.pk)
    own = registration.person.user_id == getattr(actor, "pk", None)
    if not own:
        _require_organizer(actor, registration.offering.organization)
    if registration.status == Registration.Status.COMPLETED:
        raise PermissionDenied("A completed offering cannot be cancelled.")
    freed = registration.status == Registration.Status.REGISTERED
    registration.status = Registration.Status.CANCELLED
    registration.save()
    audit_record(actor=actor, action="registration.cancel", target=registration,
                 organization_id=registration.offering.organization_id,
                 summary=f"Cancelled {registration.person.full_name}'s registration for {registration.offering.title}")
    if freed:
        waiting = registration.offering.registrations.filter(status=Registration.Status.WAITLISTED).first()
        if waiting is not None:
            waiting.status = Registration.Status.REGISTERED
            waiting.save()
            audit_record(actor=actor, action="registration.promote", target=waiting,
                         organization_id=registration.offering.organization_id,
                         summary=f"{waiting.person.full_name} moved from the waitlist of "
                                 f"{registration.offering.title} to registered")
    return registration


def _recompute(registration: Registration) -> None:
    sessions = list(registration.offering.sessions.all())
    present = set(Attendance.objects.filter(session__in=sessions, person=registration.person, present=True)
                  .values_list("session_id", flat=True))
    attended_hours = sum((s.hours for s in sessions if s.pk in present), Decimal(0))
    completed = bool(sessions) and len(present) == len(sessions)
    registration.credit_hours = registration.offering.credit_hours if completed else min(
        attended_hours, registration.offering.credit_hours)
    if completed and registration.status != Registration.Status.COMPLETED:
        registration.status = Registration.Status.COMPLETED
        registration.completed_at = timezone.now()
        registration.certificate_number = registration.certificate_number or str(uuid.uuid4())
    elif not completed and registration.status == Registration.Status.COMPLETED:
        registration.status = Registration.Status.REGISTERED
        registration.completed_at = None
        registration.certificate_number = ""
    registration.save()


@transaction.atomic
def attendance_record(*, actor: Any, session: OfferingSession, present: set[int]) -> int:
    """Record who was at a session: the registered people whose ids are in ``present`` were there,
    the other registered people were not. Returns how many were present."""
    offering = session.offering
    _require_organizer(actor, offering.organization)
    registrations = list(offering.registrations.filter(status__in=ACTIVE).select_related("person", "offering"))
    registered = {r.person_id for r in registrations}
    unknown = present - registered
    if unknown:
        raise PermissionDenied("Attendance can only be recorded for people registered for the offering.")
    for registration in registrations:
        Attendance.objects.update_or_create(session=session, person=registration.person,
                                            defaults={"present": registration.person_id in present})
        _recompute(registration)
    audit_record(actor=actor, action="attendance.record", target=session, organization_id=offering.organization_id,
                 summary=f"Recorded attendance at {offering.title} on {session.starts_at:%Y-%m-%d}: "
                         f"{len(present)} of {len(registrations)} present",
                 details={"present": len(present), "registered": len(registrations)})
    return len(present)


@dataclass
class SignInSheet:
    present: set[int]
    absent: set[int]
    warnings: list[str] = field(default_factory=list)


def read_sign_in_sheet(data: bytes, *, source_name: str, registrations: list[Registration]) -> SignInSheet:
    """Read a sign-in sheet (CSV: a column ``email``, ``username`` or ``sourcedId`` and, if wanted, a
    column ``present`` with yes/no). Refused with the file, row and column of every row that names
    nobody registered for the offering or says neither yes nor no."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SignInSheetRefused(f"{source_name}: is not UTF-8 text (byte {exc.start}). Save it as CSV UTF-8.") \
            from exc
    reader = csv.DictReader(io.StringIO(text))
    headers = {(h or "").strip().lower(): h for h in reader.fieldnames or []}
    column = next((headers[name] for name in IDENTIFIER_COLUMNS if name in headers), None)
    if column is None:
        raise SignInSheetRefused(f"{source_name}, row 1: needs a column email, username or sourcedId naming "
                                 "each person.")
    present_column = headers.get("present")
    by_identifier: dict[str, int] = {}
    for registration in registrations:
        person = registration.person
        for value in (person.email.lower(), person.user.username.lower(), (person.sourced_id or "").lower()):
            if value:
                by_identifier[value] = person.pk
    sheet = SignInSheet(set(), set())
    problems: list[str] = []
    for number, row in enumerate(reader, start=2):
        identifier = (row.get(column) or "").strip()
        if not identifier and not any((v or "").strip() for v in row.values() if isinstance(v, str)):
            continue
        person_id = by_identifier.get(identifier.lower())
        if person_id is None:
            problems.append(f'{source_name}, row {number}, column "{column}": {identifier or "(empty)"} is not '
                            "anyone registered for this offering.")
            continue
        word = (row.get(present_column) or "").strip().lower() if present_column else ""
        if word not in PRESENT_WORDS:
            problems.append(f'{source_name}, row {number}, column "{present_column}": {word!r} is neither '
                            "yes nor no.")
            continue
        if person_id in sheet.present | sheet.absent:
            sheet.warnings.append(f"{source_name}, row {number}: {identifier} is listed again; the last row counts.")
            sheet.present.discard(person_id)
            sheet.absent.discard(person_id)
        (sheet.present if PRESENT_WORDS[word] else sheet.absent).add(person_id)
    if problems:
        listed = "\n".join(f"- {p}" for p in problems[:20])
        more = "\n- (and more)" if len(problems) > 20 else ""
        raise SignInSheetRefused(f"The sign-in sheet was refused; nothing was recorded:\n{listed}{more}")
    return sheet


@transaction.atomic
def attendance_upload(*, actor: Any, session: OfferingSession, data: bytes, source_name: str) -> SignInSheet:
    """Record a session's attendance from a sign-in sheet, all or nothing. Registered people the
    sheet does not list are recorded as absent."""
    _require_organizer(actor, session.offering.organization)
    registrations = list(session.offering.registrations.filter(status__in=ACTIVE).select_related("person__user"))
    sheet = read_sign_in_sheet(data, source_name=source_name, registrations=registrations)
    attendance_record(actor=actor, session=session, present=sheet.present)
    return sheet
