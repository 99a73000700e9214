"""The roster import service: a OneRoster export becomes organizations, staff accounts and the
pseudonymised student store, all or nothing.

Reading and checking the files is ``trellis.interop.oneroster``'s job (plain Python); this module
checks the import against the person's scope and writes it: the database rows inside one
transaction, the student store by swapping in freshly written folders only after that transaction
commits.
"""

from __future__ import annotations

import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.exceptions import PermissionDenied
from django.db import transaction

from trellis.core.services import UserFacingError, access_record, audit_record
from trellis.interop.oneroster import (
    RosterBundle,
    RosterError,
    SchoolStats,
    merge_student_store,
    read_roster,
)
from trellis.orgs.models import Membership, Organization, Person, Role
from trellis.orgs.permissions import can_manage_organization

Progress = Callable[[str, int, int], None]

ORG_KINDS = {
    "state": Organization.Kind.STATE,
    "local": Organization.Kind.REGION,
    "district": Organization.Kind.DISTRICT,
    "school": Organization.Kind.SCHOOL,
}

# OneRoster staff roles → the Trellis role they get over the organization named in the role row.
# A school administrator leads the school; a district administrator is the district's lead.
# Everyone else on a school's staff (teachers, aides, counselors, proctors) gets the teacher view.
ADMIN_ROLES = {"administrator", "principal", "siteadministrator", "districtadministrator", "systemadministrator"}


def trellis_role(roster_role: str, org_kind: str) -> Role:
    if roster_role.lower() in ADMIN_ROLES:
        return {
            Organization.Kind.SCHOOL: Role.SCHOOL_LEADER,
            Organization.Kind.DISTRICT: Role.DISTRICT_LEAD,
            Organization.Kind.REGION: Role.REGIONAL_COACH,
            Organization.Kind.STATE: Role.STATE_ANALYST,
        }[Organization.Kind(org_kind)]
    return Role.TEACHER


@dataclass
class RosterImportResult:
    counts: dict[str, int]
    warnings: list[str]
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    scope_id: int | None = None


def roster_store_dir() -> Path:
    return Path(settings.TRELLIS_DATA_DIR) / "roster"


def roster_import(
    *, actor: Any, source: Path, scope: Organization | None, progress: Progress | None = None
) -> RosterImportResult:
    """Import a OneRoster folder or zip. ``actor=None`` is the command line (whole state).

    A person may import only inside an organization they manage (``scope``); every organization in
    the files must be that organization or lie below it. Refusals raise ``UserFacingError`` naming
    the file, row and column, and change nothing.
    """
    if actor is not None and (scope is None or not can_manage_organization(actor, scope)):
        raise PermissionDenied("You can only import a roster for an organization you manage.")
    report = progress or (lambda step, done, total: None)
    key = settings.TRELLIS_PSEUDONYM_KEY.encode()
    store = roster_store_dir()
    store.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=store.parent, prefix=".roster-staging-") as staging:
        staging_dir = Path(staging)
        try:
            bundle = read_roster(Path(source), pseudonym_key=key, staging_dir=staging_dir / "read", progress=report)
        except RosterError as exc:
            raise UserFacingError(str(exc)) from exc
        report("Checking organizations against your access", 0, 1)
        with transaction.atomic():
            writer = _RosterWriter(actor=actor, scope=scope, bundle=bundle, report=report)
            result = writer.write()
            merged = writer.write_student_store(store, staging_dir / "store")
            writer.write_enrollment_counts(merged)
            students = int(bundle.summary.get("students", 0))
            audit_record(
                actor=actor, action="roster.import", target=writer.top, organization_id=writer.top.pk,
                summary=f"Imported a OneRoster {bundle.version} roster for {writer.top.name}",
                details={"counts": result.counts, "created": result.created, "updated": result.updated},
            )
            access_record(
                actor=actor, dataset="student roster", purpose="Roster import (pseudonymised on arrival)",
                organization_id=writer.top.pk, rows_read=students,
            )
            transaction.on_commit(lambda: _swap_store(store, staging_dir / "store"))
        result.scope_id = writer.top.pk
        report("Done", 1, 1)
        return result


def _swap_store(store: Path, merged: Path) -> None:
    """Put the merged store in place of the current one (two renames on the same disk)."""
    old = store.parent / f".roster-old-{uuid.uuid4().hex}"
    if store.exists():
        store.rename(old)
    merged.rename(store)
    shutil.rmtree(old, ignore_errors=True)


class _RosterWriter:
    def __init__(self, *, actor: Any, scope: Organization | None, bundle: RosterBundle, report: Progress):
        self.actor, self.scope, self.bundle, self.report = actor, scope, bundle, report
        self.by_sourced_id: dict[str, Organization] = {}
        self.created: dict[str, int] = {}
        self.updated: dict[str, int] = {}
        self.top: Organization

    def refuse(self, message: str) -> None:
        raise UserFacingError(message)

    # Organizations ---------------------------------------------------------------------------
    def write(self) -> RosterImportResult:
        self.write_organizations()
        self.write_staff()
        summary = dict(self.bundle.summary)
        return RosterImportResult(
            counts={str(k): int(v) for k, v in summary.items()},
            warnings=[str(w) for w in self.bundle.warnings],
            created=self.created, updated=self.updated,
        )

    def write_organizations(self) -> None:
        records = list(self.bundle.orgs)
        known = {o.sourced_id: o for o in Organization.objects.filter(
            sourced_id__in=[r.sourced_id for r in records])}
        by_nces = {}
        nces_ids = [r.identifier for r in records if r.identifier and r.sourced_id not in known]
        if nces_ids:
            for o in Organization.objects.filter(nces_id__in=nces_ids):
                by_nces[(o.kind, o.nces_id)] = o
        in_file = {r.sourced_id: r for r in records}
        order = {"state": 0, "local": 1, "district": 2, "school": 3}
        records.sort(key=lambda r: (order.get(r.type, 9), r.sourced_id))
        existing_state = list(Organization.objects.filter(kind=Organization.Kind.STATE)[:2])
        for index, record in enumerate(records, start=1):
            if index % 500 == 0:
                self.report("Adding organizations", index, len(records))
            kind = ORG_KINDS.get(record.type)
            if kind is None:
                continue
            organization = known.get(record.sourced_id) or by_nces.get((kind, record.identifier))
            if organization is None and kind == Organization.Kind.STATE and len(existing_state) == 1:
                # One Trellis serves one state: its state row in any roster is that state.
                organization = existing_state[0]
            parent = self.parent_for(record, kind, in_file)
            if organization is None:
                if parent is None and kind != Organization.Kind.STATE:
                    self.refuse(f'orgs.csv: the {record.type} "{record.name}" (sourcedId {record.sourced_id}) '
                                f'has a parent that is neither in the file nor in Trellis. Add its parent '
                                f'organization first.')
                if parent is None and self.actor is not None:
                    self.refuse("orgs.csv: only the command line can add a new state.")
                if parent is not None:
                    self.require_scope(parent, record)
                organization = Organization(
                    name=record.name, kind=kind, parent=parent, sourced_id=record.sourced_id,
                    nces_id=record.identifier or "", locale=record.locale or "", path="/",
                )
                organization.save()
                organization.path = f"{parent.path if parent else '/'}{organization.pk}/"
                Organization.objects.filter(pk=organization.pk).update(path=organization.path)
                self.created[kind.label] = self.created.get(kind.label, 0) + 1
            else:
                self.require_scope(organization, record)
                changes = {
                    "name": record.name,
                    "nces_id": record.identifier or organization.nces_id,
                    "locale": record.locale or organization.locale,
                    "sourced_id": record.sourced_id,
                    "is_active": record.status != "tobedeleted",
                }
                changed = {k: v for k, v in changes.items() if getattr(organization, k) != v}
                if changed:
                    for name, value in changed.items():
                        setattr(organization, name, value)
                    organization.save(update_fields=[*changed, "updated_at"])
                    self.updated[kind.label] = self.updated.get(kind.label, 0) + 1
            self.by_sourced_id[record.sourced_id] = organization
        tops = [o for o in self.by_sourced_id.values()
                if not (o.parent_id and any(p.pk == o.parent_id for p in self.by_sourced_id.values()))]
        if not tops:
            self.refuse("orgs.csv: the roster has no organizations Trellis can use (state, local, district or school).")
        tops.sort(key=lambda o: len(o.path))
        self.top = tops[0] if len(tops) == 1 else (self.scope or tops[0].parent or tops[0])

    def parent_for(self, record: Any, kind: str, in_file: dict[str, Any]) -> Organization | None:
        if record.parent_sourced_id and record.parent_sourced_id in self.by_sourced_id:
            return self.by_sourced_id[record.parent_sourced_id]
        if record.parent_sourced_id and record.parent_sourced_id not in in_file:
            found = Organization.objects.filter(sourced_id=record.parent_sourced_id).first()
            if found is not None:
                return found
        if kind in (Organization.Kind.DISTRICT, Organization.Kind.REGION):
            # A district's own export rarely carries the state row: it belongs to the one state.
            if self.scope is not None and self.scope.kind in (Organization.Kind.STATE, Organization.Kind.REGION):
                return self.scope
            return Organization.objects.filter(kind=Organization.Kind.STATE).order_by("pk").first()
        return None

    def require_scope(self, organization: Organization, record: Any) -> None:
        if self.scope is None:
            return
        if not organization.path.startswith(self.scope.path):
            self.refuse(f'orgs.csv: "{record.name}" (sourcedId {record.sourced_id}) is outside '
                        f'{self.scope.name}. You can only import rosters for organizations you manage.')

    def write_enrollment_counts(self, stats: dict[str, SchoolStats]) -> None:
        """Enrollment and the economically disadvantaged share come from the merged student
        store: counts per school, summed up the tree, for the organizations in this roster."""
        schools = {o.sourced_id: o for o in Organization.objects.filter(
            kind=Organization.Kind.SCHOOL, sourced_id__in=list(stats))}
        totals: dict[int, list[int]] = {}
        for sourced_id, (students, disadvantaged, flagged) in stats.items():
            school = schools.get(sourced_id)
            if school is None:
                continue
            for part in school.path.strip("/").split("/"):
                entry = totals.setdefault(int(part), [0, 0, 0])
                entry[0] += students
                entry[1] += disadvantaged
                entry[2] += flagged
        in_roster = {int(part) for o in self.by_sourced_id.values() for part in o.path.strip("/").split("/")}
        changed = []
        for organization in Organization.objects.filter(pk__in=[pk for pk in totals if pk in in_roster]):
            students, disadvantaged, flagged = totals[organization.pk]
            share = round(disadvantaged / flagged, 4) if flagged else None
            if organization.enrollment != students or organization.econ_disadvantaged_share != share:
                organization.enrollment, organization.econ_disadvantaged_share = students, share
                changed.append(organization)
        Organization.objects.bulk_update(changed, ["enrollment", "econ_disadvantaged_share"], batch_size=2000)

    # Staff --------------------------------------------------------------------------------------
    def write_staff(self) -> None:
        staff = list(self.bundle.staff)
        user_model = get_user_model()
        existing = {p.sourced_id: p for p in Person.objects.filter(
            sourced_id__in=[s.sourced_id for s in staff]).select_related("user")}
        usernames = {s.username or s.sourced_id for s in staff if s.sourced_id not in existing}
        taken = set()
        for chunk in _chunks(sorted(usernames), 5000):
            taken.update(user_model.objects.filter(username__in=chunk).values_list("username", flat=True))
        new_users, new_people, changed_people, changed_users = [], [], [], []
        for index, record in enumerate(staff, start=1):
            if index % 5000 == 0:
                self.report("Adding staff accounts", index, len(staff))
            active = record.status != "tobedeleted" and record.enabled is not False
            primary = next((self.by_sourced_id.get(org) for _, org, is_primary in record.roles if is_primary), None)
            if primary is None and record.roles:
                primary = self.by_sourced_id.get(record.roles[0][1])
            roster_role = record.roles[0][0] if record.roles else ""
            person = existing.get(record.sourced_id)
            if person is None:
                username = record.username or record.sourced_id
                if username in taken:
                    self.refuse(f'users.csv: the username "{username}" (sourcedId {record.sourced_id}) already '
                                f'belongs to another Trellis account. Give this person a different username.')
                taken.add(username)
                given, family = record.given_name or "", record.family_name or ""
                user = user_model(username=username, email=record.email or "", first_name=given[:150],
                                  last_name=family[:150], is_active=active, password=make_password(None))
                new_users.append(user)
                new_people.append(Person(user=user, sourced_id=record.sourced_id, given_name=given,
                                         family_name=family, email=record.email or "",
                                         roster_role=roster_role, primary_organization=primary, is_active=active))
            else:
                self.require_person_scope(person)
                # In a delta a field the file does not carry is None: keep what Trellis has.
                given = {"given_name": record.given_name, "family_name": record.family_name,
                         "email": record.email, "roster_role": roster_role or None,
                         "primary_organization_id": primary.pk if primary else None, "is_active": active}
                wanted = {k: v for k, v in given.items() if v is not None}
                if any(getattr(person, k) != v for k, v in wanted.items()):
                    for k, v in wanted.items():
                        setattr(person, k, v)
                    changed_people.append(person)
                    if person.user.is_active != active:
                        person.user.is_active = active
                        changed_users.append(person.user)
        for chunk in _chunks(new_users, 5000):
            user_model.objects.bulk_create(chunk)
        for person in new_people:
            person.user_id = person.user.pk
        for chunk in _chunks(new_people, 5000):
            Person.objects.bulk_create(chunk)
        Person.objects.bulk_update(changed_people, ["given_name", "family_name", "email", "roster_role",
                                                    "primary_organization", "is_active"], batch_size=2000)
        user_model.objects.bulk_update(changed_users, ["is_active"], batch_size=2000)
        if new_people:
            self.created["Staff accounts"] = len(new_people)
        if changed_people:
            self.updated["Staff accounts"] = len(changed_people)
        self.write_memberships(staff)
        if self.bundle.modes.get("users.csv") == "bulk":
            self.deactivate_missing(staff)

    def require_person_scope(self, person: Person) -> None:
        if self.scope is None or person.primary_organization is None:
            return
        if not person.primary_organization.path.startswith(self.scope.path):
            self.refuse(f"users.csv: a staff member in this roster (sourcedId {person.sourced_id}) already "
                        f"belongs to {person.primary_organization.name}, outside {self.scope.name}.")

    def write_memberships(self, staff: list[Any]) -> None:
        people = dict(Person.objects.filter(sourced_id__in=[s.sourced_id for s in staff])
                      .values_list("sourced_id", "pk"))
        wanted: set[tuple[int, int, str]] = set()
        for record in staff:
            for roster_role, org_sourced_id, _primary in record.roles:
                organization = self.by_sourced_id.get(org_sourced_id)
                if organization is None:
                    continue
                wanted.add((people[record.sourced_id], organization.pk,
                            trellis_role(roster_role, organization.kind).value))
        current = set(Membership.objects.filter(person_id__in=people.values(), from_roster=True)
                      .values_list("person_id", "organization_id", "role"))
        new = wanted - current
        Membership.objects.bulk_create(
            [Membership(person_id=p, organization_id=o, role=r, from_roster=True) for p, o, r in sorted(new)],
            batch_size=5000, ignore_conflicts=True,
        )
        removed = {(people[record.sourced_id], self.by_sourced_id[org].pk, trellis_role(role, self.by_sourced_id[org].kind).value)
                   for record in staff for role, org, _ in record.removed_roles if org in self.by_sourced_id}
        for person_id, organization_id, role in removed & current:
            Membership.objects.filter(person_id=person_id, organization_id=organization_id, role=role,
                                      from_roster=True).delete()
        if self.bundle.modes.get("roles.csv", self.bundle.modes.get("users.csv")) == "bulk":
            gone = current - wanted
            for person_id, organization_id, role in gone:
                Membership.objects.filter(person_id=person_id, organization_id=organization_id, role=role,
                                          from_roster=True).delete()
            if gone:
                self.updated["Roles removed"] = len(gone)
        if new:
            self.created["Roles"] = len(new)

    def deactivate_missing(self, staff: list[Any]) -> None:
        """A bulk file is the whole truth for its organizations: staff it no longer lists are
        switched off (never deleted, so their history stays)."""
        listed = {s.sourced_id for s in staff}
        paths = {o.path for o in self.by_sourced_id.values()}
        top_paths = [p for p in paths if not any(p != q and p.startswith(q) for q in paths)]
        missing = Person.objects.filter(is_active=True, sourced_id__isnull=False)
        from django.db.models import Q
        query = Q()
        for path in top_paths:
            query |= Q(primary_organization__path__startswith=path)
        gone = [p for p in missing.filter(query) if p.sourced_id not in listed]
        for person in gone:
            person.is_active = False
        Person.objects.bulk_update(gone, ["is_active"], batch_size=2000)
        get_user_model().objects.filter(pk__in=[p.user_id for p in gone]).update(is_active=False)
        if gone:
            self.updated["Staff accounts switched off"] = len(gone)

    # Student store -------------------------------------------------------------------------------
    def write_student_store(self, current: Path, out: Path) -> dict[str, SchoolStats]:
        """Merge the staged student files into a copy of the store, written to ``out``."""
        self.report("Writing the pseudonymised student store", 0, 1)
        return merge_student_store(current, self.bundle, out)


def _chunks(items: list[Any] | Iterable[Any], size: int) -> Iterable[list[Any]]:
    items = list(items)
    for start in range(0, len(items), size):
        yield items[start:start + size]
