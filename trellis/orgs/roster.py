"""The roster import service: a OneRoster export becomes organizations, staff accounts and the
pseudonymised student store, all or nothing.

Reading and checking the files is ``trellis.interop.oneroster``'s job (plain Python); this module
checks the import against the person's scope and writes it: the database rows inside one
transaction, the student store by swapping in freshly written folders only after that transaction
commits.
"""

from __future__ import annotations

import secrets
import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

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
        for level in range(4):
            created: list[Organization] = []
            for record in (r for r in records if order.get(r.type) == level):
                kind = ORG_KINDS[record.type]
                organization = known.get(record.sourced_id) or by_nces.get((kind, record.identifier))
                if organization is None and kind == Organization.Kind.STATE and len(existing_state) == 1:
                    # One Trellis serves one state: its state row in any roster is that state.
                    organization = existing_state[0]
                parent = self.parent_for(record, kind, in_file)
                if organization is None:
                    organization = self.new_organization(record, kind, parent)
                    created.append(organization)
                else:
                    self.update_organization(organization, record, kind)
                self.by_sourced_id[record.sourced_id] = organization
            # Children of this level need their parents' ids and paths, so each level is
            # written before the next is read.
            Organization.objects.bulk_create(created, batch_size=2000)
            for organization in created:
                organization.path = f"{organization.parent.path if organization.parent else '/'}{organization.pk}/"
            update_rows(Organization, ("path",), [(o.path, o.pk) for o in created])
            for organization in created:
                label = Organization.Kind(organization.kind).label
                self.created[label] = self.created.get(label, 0) + 1
            self.report("Adding organizations", level + 1, 4)
        tops = [o for o in self.by_sourced_id.values()
                if not (o.parent_id and any(p.pk == o.parent_id for p in self.by_sourced_id.values()))]
        if not tops:
            self.refuse("orgs.csv: the roster has no organizations Trellis can use (state, local, district or school).")
        tops.sort(key=lambda o: len(o.path))
        self.top = tops[0] if len(tops) == 1 else (self.scope or tops[0].parent or tops[0])

    def new_organization(self, record: Any, kind: str, parent: Organization | None) -> Organization:
        if parent is None and kind != Organization.Kind.STATE:
            self.refuse(f'orgs.csv: the {record.type} "{record.name}" (sourcedId {record.sourced_id}) '
                        f'has a parent that is neither in the file nor in Trellis. Add its parent '
                        f'organization first.')
        if parent is None and self.actor is not None:
            self.refuse("orgs.csv: only the command line can add a new state.")
        if parent is not None:
            self.require_scope(parent, record)
        return Organization(
            name=record.name, kind=kind, parent=parent, sourced_id=record.sourced_id,
            nces_id=record.identifier or "", locale=record.locale or "", path="/",
            is_active=record.status != "tobedeleted",
        )

    def update_organization(self, organization: Organization, record: Any, kind: str) -> None:
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
            label = Organization.Kind(kind).label
            self.updated[label] = self.updated.get(label, 0) + 1

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
        update_rows(Organization, ("enrollment", "econ_disadvantaged_share"),
                    [(o.enrollment, o.econ_disadvantaged_share, o.pk) for o in changed])

    # Staff --------------------------------------------------------------------------------------
    # A state roster carries hundreds of thousands of staff, so new rows go in with one
    # executemany per table and existing rows are compared as plain tuples, not model objects.
    def write_staff(self) -> None:
        staff = list(self.bundle.staff)
        fields = ("pk", "user_id", "given_name", "family_name", "email", "roster_role",
                  "primary_organization_id", "is_active", "primary_organization__path")
        existing = {row[0]: dict(zip(fields, row[1:], strict=True)) for row in
                    Person.objects.filter(sourced_id__isnull=False).values_list("sourced_id", *fields)}
        user_model = get_user_model()
        taken = set(user_model.objects.values_list("username", flat=True))
        new_users: list[tuple[Any, ...]] = []
        new_people: list[tuple[Any, ...]] = []
        changed: list[Person] = []
        user_activity: dict[int, bool] = {}
        for index, record in enumerate(staff, start=1):
            if index % 20000 == 0:
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
                given, family = (record.given_name or "")[:150], (record.family_name or "")[:150]
                new_users.append((unusable_password(), username, given, family, record.email or "", active))
                new_people.append((record.sourced_id, given, family, record.email or "", roster_role,
                                   primary.pk if primary else None, active))
                continue
            self.require_person_scope(record.sourced_id, person)
            # In a delta a field the file does not carry is None: keep what Trellis has.
            given_values = {"given_name": record.given_name, "family_name": record.family_name,
                            "email": record.email, "roster_role": roster_role or None,
                            "primary_organization_id": primary.pk if primary else None, "is_active": active}
            wanted = {k: v for k, v in given_values.items() if v is not None}
            if any(person[k] != v for k, v in wanted.items()):
                values = {k: person[k] for k in given_values} | wanted
                changed.append(Person(pk=person["pk"], user_id=person["user_id"], **values))
                if person["is_active"] != active:
                    user_activity[person["user_id"]] = active
        self.report("Adding staff accounts", len(staff), len(staff))
        insert_users(new_users)
        user_ids = dict(user_model.objects.filter(password__startswith=UNUSABLE_PASSWORD_PREFIX)
                        .values_list("username", "pk")) if new_users else {}
        insert_rows(Person, ("user", "sourced_id", "given_name", "family_name", "email", "roster_role",
                             "primary_organization", "is_active"),
                    [(user_ids[user[1]], *person) for user, person in zip(new_users, new_people, strict=True)])
        Person.objects.bulk_update(changed, ["given_name", "family_name", "email", "roster_role",
                                             "primary_organization", "is_active"], batch_size=2000)
        for active in (True, False):
            ids = [pk for pk, value in user_activity.items() if value is active]
            for chunk in _chunks(ids, 5000):
                user_model.objects.filter(pk__in=chunk).update(is_active=active)
        if new_people:
            self.created["Staff accounts"] = len(new_people)
        if changed:
            self.updated["Staff accounts"] = len(changed)
        self.write_memberships(staff)
        if self.bundle.modes.get("users.csv") == "bulk":
            self.deactivate_missing(staff)

    def require_person_scope(self, sourced_id: str, person: dict[str, Any]) -> None:
        path = person["primary_organization__path"]
        if self.scope is None or path is None:
            return
        if not path.startswith(self.scope.path):
            self.refuse(f"users.csv: a staff member in this roster (sourcedId {sourced_id}) already "
                        f"belongs to an organization outside {self.scope.name}.")

    def write_memberships(self, staff: list[Any]) -> None:
        listed = {s.sourced_id for s in staff}
        people = {sid: pk for sid, pk in Person.objects.filter(sourced_id__isnull=False)
                  .values_list("sourced_id", "pk") if sid in listed}

        def memberships(pairs: Iterable[tuple[str, str, str]]) -> set[tuple[int, int, str]]:
            found = set()
            for sourced_id, roster_role, org_sourced_id in pairs:
                organization = self.by_sourced_id.get(org_sourced_id)
                if organization is not None:
                    found.add((people[sourced_id], organization.pk, trellis_role(roster_role, organization.kind).value))
            return found

        wanted = memberships((s.sourced_id, role, org) for s in staff for role, org, _ in s.roles)
        removed = memberships((s.sourced_id, role, org) for s in staff for role, org, _ in s.removed_roles)
        person_ids = set(people.values())
        current = {row for row in Membership.objects.filter(from_roster=True)
                   .values_list("person_id", "organization_id", "role") if row[0] in person_ids}
        new = sorted(wanted - current)
        insert_rows(Membership, ("person", "organization", "role", "from_roster"), [(*m, True) for m in new])
        if self.bundle.modes.get("roles.csv", self.bundle.modes.get("users.csv")) == "bulk":
            removed |= current - wanted
        gone = removed & current
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
        query = Q()
        for path in top_paths:
            query |= Q(primary_organization__path__startswith=path)
        gone = [(pk, user_id) for sourced_id, pk, user_id in
                Person.objects.filter(query, is_active=True, sourced_id__isnull=False)
                .values_list("sourced_id", "pk", "user_id") if sourced_id not in listed]
        for chunk in _chunks(gone, 5000):
            Person.objects.filter(pk__in=[pk for pk, _ in chunk]).update(is_active=False)
            get_user_model().objects.filter(pk__in=[user_id for _, user_id in chunk]).update(is_active=False)
        if gone:
            self.updated["Staff accounts switched off"] = len(gone)

    # Student store -------------------------------------------------------------------------------
    def write_student_store(self, current: Path, out: Path) -> dict[str, SchoolStats]:
        """Merge the staged student files into a copy of the store, written to ``out``."""
        self.report("Writing the pseudonymised student store", 0, 1)
        return merge_student_store(current, self.bundle, out)


def unusable_password() -> str:
    """What Django's ``make_password(None)`` stores, without its slow per-character random choice:
    rostered staff sign in through their district until someone sets them a password."""
    return UNUSABLE_PASSWORD_PREFIX + secrets.token_urlsafe(30)


def insert_rows(model: type[Any], fields: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
    """Insert many rows of ``model`` with one executemany per batch (timestamps set to now)."""
    if not rows:
        return
    meta = model._meta
    now = meta.get_field("created_at").get_db_prep_save(timezone.now(), connection)
    columns = [meta.get_field(name).column for name in fields] + ["created_at", "updated_at"]
    quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
    marks = ", ".join(["%s"] * len(columns))
    sql = f"INSERT INTO {connection.ops.quote_name(meta.db_table)} ({quoted}) VALUES ({marks})"
    with connection.cursor() as cursor:
        for chunk in _chunks(rows, 20000):
            cursor.executemany(sql, [(*row, now, now) for row in chunk])


def update_rows(model: type[Any], fields: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
    """Set ``fields`` on many rows, each given as (*values, pk), with one executemany per batch."""
    if not rows:
        return
    meta = model._meta
    assignments = ", ".join(f"{connection.ops.quote_name(meta.get_field(f).column)} = %s" for f in fields)
    sql = f"UPDATE {connection.ops.quote_name(meta.db_table)} SET {assignments} WHERE id = %s"
    with connection.cursor() as cursor:
        for chunk in _chunks(rows, 20000):
            cursor.executemany(sql, chunk)


def insert_users(rows: list[tuple[Any, ...]]) -> None:
    """Insert staff accounts: (password, username, first_name, last_name, email, is_active)."""
    if not rows:
        return
    meta = get_user_model()._meta
    joined = meta.get_field("date_joined").get_db_prep_save(timezone.now(), connection)
    sql = (f"INSERT INTO {connection.ops.quote_name(meta.db_table)} (password, username, first_name, "
           f"last_name, email, is_active, is_superuser, is_staff, date_joined) "
           f"VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)")
    with connection.cursor() as cursor:
        for chunk in _chunks(rows, 20000):
            cursor.executemany(sql, [(*row, False, False, joined) for row in chunk])


def _chunks(items: list[Any] | Iterable[Any], size: int) -> Iterable[list[Any]]:
    items = list(items)
    for start in range(0, len(items), size):
        yield items[start:start + size]
