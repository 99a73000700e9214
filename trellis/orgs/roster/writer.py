"""Writes a read roster into the database: organizations, staff accounts, their roles, and the
pseudonymised student store beside it."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import timezone

from trellis.core.services import UserFacingError
from trellis.interop.oneroster import RosterBundle, SchoolStats, merge_student_store, students_leaving
from trellis.orgs.models import Membership, Organization, Person, Role
from trellis.orgs.roster import tuning
from trellis.orgs.roster.bulk import chunks, insert_rows, unusable_passwords, update_rows
from trellis.orgs.roster.results import RosterImportResult

Progress = Callable[[str, int, int], None]

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



class RosterFields(NamedTuple):
    """The fields of a Person a roster sets. In a delta, a field the file does not carry is None."""

    given_name: str | None
    family_name: str | None
    email: str | None
    roster_role: str | None
    primary_organization: int | None
    is_active: bool


class KnownPerson(NamedTuple):
    """A rostered person Trellis held before this import."""

    pk: int
    user: int
    fields: RosterFields
    primary_path: str | None


class Newcomer(NamedTuple):
    """A staff member new to Trellis, before their account is written."""

    sourced_id: str
    username: str
    fields: RosterFields


class NewUser(NamedTuple):
    password: str
    username: str
    first_name: str
    last_name: str
    email: str
    is_active: bool
    is_superuser: bool
    is_staff: bool
    date_joined: Any


class NewPerson(NamedTuple):
    user: int
    sourced_id: str
    given_name: str
    family_name: str
    email: str
    roster_role: str
    primary_organization: int | None
    is_active: bool


class NewOrganization(NamedTuple):
    name: str
    kind: str
    parent: int | None
    sourced_id: str
    nces_id: str
    locale: str
    path: str
    is_active: bool


class MembershipKey(NamedTuple):
    person: int
    organization: int
    role: str


class NewMembership(NamedTuple):
    person: int
    organization: int
    role: str
    from_roster: bool


class PathRow(NamedTuple):
    path: str


class EnrollmentRow(NamedTuple):
    enrollment: int
    econ_disadvantaged_share: float | None


def trellis_role(roster_role: str, org_kind: str) -> Role:
    if roster_role.lower() in ADMIN_ROLES:
        return {
            Organization.Kind.SCHOOL: Role.SCHOOL_LEADER,
            Organization.Kind.DISTRICT: Role.DISTRICT_LEAD,
            Organization.Kind.REGION: Role.REGIONAL_COACH,
            Organization.Kind.STATE: Role.STATE_ANALYST,
        }[Organization.Kind(org_kind)]
    return Role.TEACHER



class RosterWriter:
    def __init__(self, *, actor: Any, scope: Organization | None, report: Progress, into: Organization | None = None):
        self.actor, self.scope, self.into, self.report = actor, scope, into or scope, report
        self.warnings: list[str] = []
        #: Organizations whose people, roles and students a bulk file replaces (pks).
        self.covered: set[int] = set()
        self.removals: dict[str, dict[str, int]] = {}
        self._districts: dict[int, str] | None = None
        self.bundle: RosterBundle
        self.written = False
        self.by_sourced_id: dict[str, Organization] = {}
        self.created: dict[str, int] = {}
        self.updated: dict[str, int] = {}
        self.top: Organization

    def refuse(self, message: str) -> None:
        raise UserFacingError(message)

    def write_people(self, people: RosterBundle) -> None:
        """Organizations, staff accounts and memberships (all a partial bundle needs to hold)."""
        self.bundle = people
        self.write_organizations()
        self.write_staff()
        # A state's staff records take hundreds of MB; nothing after this needs them.
        self.bundle = dataclasses.replace(people, staff=[])
        self.written = True

    def result(self, bundle: RosterBundle) -> RosterImportResult:
        """What was imported, once the whole roster is read."""
        self.bundle = bundle
        return RosterImportResult(
            counts={str(k): int(v) for k, v in bundle.summary.items()},
            warnings=[str(w) for w in bundle.warnings] + self.warnings,
            created=self.created, updated=self.updated, removals=self.removals,
        )

    def count_removal(self, path: str | None, kind: str, number: int = 1) -> None:
        """Count a removal under the district ``path`` lies in (or the organization above)."""
        if self._districts is None:
            self._districts = dict(Organization.objects.filter(kind__in=[Organization.Kind.DISTRICT])
                                   .order_by().values_list("pk", "name"))
        ids = Organization.path_ids(path)
        name = next((self._districts[i] for i in ids if i in self._districts), None)
        if name is None:
            top = Organization.objects.filter(pk=ids[-1]).values_list("name", flat=True).first() if ids else None
            name = top or "No organization"
        kinds = self.removals.setdefault(name, {})
        kinds[kind] = kinds.get(kind, 0) + number

    def find_covered(self) -> None:
        """The organizations a bulk file covers: those it lists, less any that Trellis holds a
        child of that the file does not list (a district's export naming its state as parent
        covers the district, not the state)."""
        listed = {o.pk for sourced_id, o in self.by_sourced_id.items() if o.sourced_id == sourced_id}
        partial = set(Organization.objects.filter(parent_id__in=listed, is_active=True).exclude(pk__in=listed)
                      .order_by().values_list("parent_id", flat=True))
        self.covered = listed - partial

    # Organizations ---------------------------------------------------------------------------
    def write_organizations(self) -> None:
        records = [r for r in self.bundle.orgs if r.type in ORG_KINDS]
        departments = [r for r in self.bundle.orgs if r.type not in ORG_KINDS]
        known = {o.sourced_id: o for o in Organization.objects.filter(
            sourced_id__in=[r.sourced_id for r in self.bundle.orgs])}
        by_nces = {}
        nces_ids = [r.identifier for r in records if r.identifier and r.sourced_id not in known]
        if nces_ids:
            for o in Organization.objects.filter(nces_id__in=nces_ids):
                by_nces[(o.kind, o.nces_id)] = o
        in_file = {r.sourced_id: r for r in records}
        records.sort(key=lambda r: r.sourced_id)
        existing_state = list(Organization.objects.filter(kind=Organization.Kind.STATE)[:2])
        for level, level_kind in enumerate(Organization.LEVELS):
            created: list[Organization] = []
            for record in (r for r in records if ORG_KINDS[r.type] == level_kind):
                kind = level_kind
                organization = known.get(record.sourced_id) or by_nces.get((kind, record.identifier))
                if organization is None and kind == Organization.Kind.STATE and len(existing_state) == 1:
                    # One Trellis serves one state: its state row in any roster is that state.
                    organization = existing_state[0]
                if organization is None:
                    parent = self.parent_for(record, kind, in_file)
                    organization = self.new_organization(record, kind, parent)
                    created.append(organization)
                else:
                    self.update_organization(organization, record, kind)
                self.by_sourced_id[record.sourced_id] = organization
            # Children of this level need their parents' ids and paths, so each level is
            # written before the next is read.
            self.insert_new(created)
            self.report("Adding organizations", level + 1, len(Organization.LEVELS) + 1)
        self.place_departments(departments, known)
        self.find_covered()
        self.report("Adding organizations", len(Organization.LEVELS) + 1, len(Organization.LEVELS) + 1)
        in_roster = {o.pk for o in self.by_sourced_id.values()}
        tops = [o for o in self.by_sourced_id.values() if not (o.parent_id and o.parent_id in in_roster)]
        if not tops:
            self.refuse("orgs.csv: the roster has no organizations Trellis can use (state, local, district or school).")
        tops.sort(key=lambda o: len(o.path))
        self.top = tops[0] if len(tops) == 1 else (self.scope or tops[0].parent or tops[0])

    def insert_new(self, created: list[Organization]) -> None:
        self.insert_organizations(created)
        for organization in created:
            organization.path = organization.path_under_parent()
        update_rows(Organization, {o.pk: PathRow(o.path) for o in created})
        for organization in created:
            label = Organization.Kind(organization.kind).label
            self.created[label] = self.created.get(label, 0) + 1

    def place_departments(self, departments: list[Any], known: dict[str, Organization]) -> None:
        """A department is part of its school: whatever names the department is placed at the
        school. A department whose school is in neither the files nor Trellis is placed at the
        organization the import is run for when that is a school, and becomes a school of it
        when that is a district."""
        created: list[Organization] = []
        for record in departments:
            school = self.by_sourced_id.get(record.parent_sourced_id or "")
            if school is None and record.parent_sourced_id:
                school = Organization.objects.filter(sourced_id=record.parent_sourced_id).first()
            if school is not None and school.kind == Organization.Kind.SCHOOL:
                self.require_scope(school, record)
                self.by_sourced_id[record.sourced_id] = school
                continue
            existing = known.get(record.sourced_id)
            if existing is not None and existing.kind == Organization.Kind.SCHOOL:
                self.update_organization(existing, record, Organization.Kind.SCHOOL)
                self.by_sourced_id[record.sourced_id] = existing
                continue
            into = self.into
            where = _orgs_row(record)
            if into is not None and into.kind == Organization.Kind.SCHOOL:
                self.require_scope(into, record)
                self.by_sourced_id[record.sourced_id] = into
                self.warnings.append(f'{where}: the department "{record.name}" belongs to a school that is not '
                                     f"in the file; it was placed at {into.name}, the school this import is for.")
            elif into is not None and into.kind == Organization.Kind.DISTRICT:
                organization = self.new_organization(record, Organization.Kind.SCHOOL, into)
                created.append(organization)
                self.by_sourced_id[record.sourced_id] = organization
                self.warnings.append(f'{where}: the department "{record.name}" belongs to a school that is not '
                                     f"in the file; it was added as a school of {into.name}, the district this "
                                     "import is for.")
            else:
                self.refuse(f'{where}: the department "{record.name}" belongs to a school that is neither in '
                            "the file nor in Trellis. Import it from the page of its school or district (on "
                            "the command line: --into with the school's or district's sourcedId or NCES id).")
        self.insert_new(created)

    def insert_organizations(self, created: list[Organization]) -> None:
        """Insert new organizations with one executemany per batch (a state has thousands) and
        give each object its id."""
        if not created:
            return
        ids = insert_rows(Organization, [
            NewOrganization(name=o.name, kind=o.kind, parent=o.parent_id, sourced_id=str(o.sourced_id),
                            nces_id=o.nces_id, locale=o.locale, path=o.path, is_active=o.is_active)
            for o in created
        ], key="sourced_id")
        for organization in created:
            organization.pk = ids[str(organization.sourced_id)]
            organization._state.adding = False
            organization._state.db = connection.alias

    def new_organization(self, record: Any, kind: str, parent: Organization | None) -> Organization:
        if parent is None and Organization.needs_parent(kind):
            self.refuse(f'{_orgs_row(record)}: the {record.type} "{record.name}" has a parent that is neither in '
                        "the file nor in Trellis. Import it from the page of the organization it belongs to "
                        "(on the command line: --into with that organization's sourcedId or NCES id).")
        if parent is None and self.actor is not None:
            self.refuse(f"{_orgs_row(record)}: only the command line can add a new state.")
        if parent is not None:
            self.require_scope(parent, record)
        return Organization(
            name=record.name[:200], kind=kind, parent=parent, sourced_id=record.sourced_id,
            nces_id=nces_id(record.identifier), locale=record.locale or "", path="/",
            is_active=record.status != "tobedeleted",
        )

    def update_organization(self, organization: Organization, record: Any, kind: str) -> None:
        if self.scope is not None and self.scope.path.startswith(organization.path) and organization != self.scope:
            return  # the export names an organization above the importer's as a parent: used, not changed
        self.require_scope(organization, record)
        changes = {
            "name": record.name,
            "nces_id": nces_id(record.identifier) or organization.nces_id,
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
        named = record.parent_sourced_id
        parent = self.by_sourced_id.get(named) if named else None
        if parent is None and named and named not in in_file:
            parent = Organization.objects.filter(sourced_id=named).first()
        if parent is not None and Organization.may_sit_under(kind, parent.kind):
            return parent
        into = self.into
        if into is not None and Organization.may_sit_under(kind, into.kind):
            if parent is not None or named:
                if parent is not None:
                    what = f"is a {parent.get_kind_display().lower()}"
                elif named in in_file:
                    what = f"is a {in_file[named].type}"
                else:
                    what = "is not in the file or in Trellis"
                self.warnings.append(f'{_orgs_row(record)}: the parent of the {record.type} "{record.name}" {what}; '
                                     f"it was placed under {into.name}, the organization this import is for.")
            return into
        if Organization.may_sit_under(kind, Organization.Kind.STATE):
            # A district's own export rarely carries the state row: it belongs to the one state.
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
        schools = dict(Organization.objects.filter(kind=Organization.Kind.SCHOOL, sourced_id__in=list(stats))
                       .order_by().values_list("sourced_id", "path"))
        # A department's students count at the school it was placed at.
        schools.update({sourced_id: o.path for sourced_id, o in self.by_sourced_id.items()
                        if o.kind == Organization.Kind.SCHOOL and sourced_id != o.sourced_id})
        totals: dict[int, list[int]] = {}
        for sourced_id, (students, disadvantaged, flagged) in stats.items():
            path = schools.get(sourced_id)
            if path is None:
                continue
            for pk in Organization.path_ids(path):
                entry = totals.setdefault(pk, [0, 0, 0])
                entry[0] += students
                entry[1] += disadvantaged
                entry[2] += flagged
        in_roster = {pk for o in self.by_sourced_id.values() for pk in Organization.path_ids(o.path)}
        current = Organization.objects.filter(pk__in=[pk for pk in totals if pk in in_roster]).order_by()
        changed: dict[int, EnrollmentRow] = {}
        for pk, enrollment, current_share in current.values_list("pk", "enrollment", "econ_disadvantaged_share"):
            students, disadvantaged, flagged = totals[pk]
            share = round(disadvantaged / flagged, 4) if flagged else None
            if enrollment != students or current_share != share:
                changed[pk] = EnrollmentRow(students, share)
        update_rows(Organization, changed)

    # Staff --------------------------------------------------------------------------------------
    # A state roster carries hundreds of thousands of staff, so new rows go in with one
    # executemany per batch, existing rows are compared as named tuples rather than model objects,
    # and nothing loops over staff × organizations.
    def write_staff(self) -> None:
        staff = list(self.bundle.staff)
        # sourcedId → what Trellis holds of every rostered person.
        existing = {
            sourced_id: KnownPerson(pk, user, RosterFields(*fields), path)
            for sourced_id, pk, user, *fields, path in Person.objects.filter(sourced_id__isnull=False).order_by()
            .values_list("sourced_id", "pk", "user_id", *RosterFields._fields, "primary_organization__path")
        }
        user_model = get_user_model()
        taken: set[str] | None = None  # every username in Trellis, read when the first new person needs it
        org_pks = {sourced_id: o.pk for sourced_id, o in self.by_sourced_id.items()}
        new_people: list[Newcomer] = []
        changed: dict[int, RosterFields] = {}
        user_activity: dict[int, bool] = {}
        for index, record in enumerate(staff, start=1):
            if index % 20000 == 0:
                self.report("Adding staff accounts", index, len(staff))
            active = record.status != "tobedeleted" and record.enabled is not False
            roles = record.roles
            primary_id = None
            for role in roles:
                if role.primary:
                    primary_id = org_pks.get(role.org_sourced_id)
                    break
            if primary_id is None and roles:
                primary_id = org_pks.get(roles[0].org_sourced_id)
            roster_role = roles[0].role if roles else ""
            person = existing.get(record.sourced_id)
            if person is None:
                username = record.username or record.sourced_id
                if taken is None:
                    taken = set(user_model.objects.values_list("username", flat=True))
                if username in taken:
                    # Whose it is, or where, is not said: a district's import must not tell it
                    # which usernames exist elsewhere in the state.
                    self.refuse(f'users.csv, column "username": the username "{username[:150]}" of the staff '
                                f"member with sourcedId {record.sourced_id} cannot be used in Trellis. Give "
                                "this person a different username.")
                taken.add(username)
                new_people.append(Newcomer(record.sourced_id, username, RosterFields(
                    (record.given_name or "")[:150], (record.family_name or "")[:150], record.email or "",
                    roster_role, primary_id, active)))
                continue
            self.require_person_scope(record.sourced_id, person.primary_path)
            given = RosterFields(record.given_name, record.family_name, record.email, roster_role or None,
                                 primary_id, active)
            current = person.fields
            if given == current:
                continue
            if any(v is not None and v != c for v, c in zip(given, current, strict=True)):
                # What the file does not carry (None), Trellis keeps.
                changed[person.pk] = RosterFields(*(c if v is None else v for v, c in zip(given, current, strict=True)))
                if current.is_active != active:
                    user_activity[person.user] = active
        self.report("Adding staff accounts", len(staff), len(staff))
        listed = {s.sourced_id for s in staff}
        # sourcedId → pk of every listed person, the new ones added once they are inserted.
        people = {sourced_id: person.pk for sourced_id, person in existing.items() if sourced_id in listed}
        if new_people:
            people.update(self.insert_people(new_people))
        update_rows(Person, changed)
        for active in (True, False):
            ids = [pk for pk, value in user_activity.items() if value is active]
            for chunk in chunks(ids, tuning.TUNING.ids_per_query):
                user_model.objects.filter(pk__in=chunk).update(is_active=active)
        if new_people:
            self.created["Staff accounts"] = len(new_people)
        if changed:
            self.updated["Staff accounts"] = len(changed)
        self.write_memberships(staff, people, any_existing=len(people) > len(new_people))
        if self.bundle.modes.get("users.csv") == "bulk":
            self.deactivate_missing([person for sourced_id, person in existing.items() if sourced_id not in listed])

    def insert_people(self, new: list[Newcomer]) -> dict[str, int]:
        """Add an account and a person for each newcomer; sourcedId → id of each new person."""
        user_model = get_user_model()
        joined = user_model._meta.get_field("date_joined").get_db_prep_save(timezone.now(), connection)
        user_ids = insert_rows(user_model, [
            NewUser(password, person.username, person.fields.given_name or "", person.fields.family_name or "",
                    person.fields.email or "", person.fields.is_active, False, False, joined)
            for password, person in zip(unusable_passwords(len(new)), new, strict=True)
        ], key="username")
        return insert_rows(Person, [
            NewPerson(user_ids[person.username], person.sourced_id, *person.fields)  # the same fields, in order
            for person in new
        ], key="sourced_id")

    def require_person_scope(self, sourced_id: str, path: str | None) -> None:
        if self.scope is None or path is None:
            return
        if not path.startswith(self.scope.path):
            # Not "exists elsewhere": a district's import must not learn about other districts' staff.
            self.refuse(f'users.csv, column "sourcedId": the staff member with sourcedId {sourced_id} cannot '
                        f"be imported for {self.scope.name}. Leave them out of the file, or ask the state's "
                        "Trellis administrators to import them.")

    def write_memberships(self, staff: list[Any], people: dict[str, int], *, any_existing: bool) -> None:
        """``people``: sourcedId → pk of every listed person. ``any_existing``: whether any of them
        was in Trellis before this import; if none was, none has a membership yet to compare."""
        orgs = {sourced_id: (o.pk, o.kind) for sourced_id, o in self.by_sourced_id.items()}
        roles: dict[tuple[str, str], str] = {}

        def memberships(roles_of: Callable[[Any], list[Any]]) -> dict[MembershipKey, None]:
            # A dict rather than a set keeps the staff order, which is (almost) the person order,
            # so sorting the new rows below is cheap.
            found: dict[MembershipKey, None] = {}
            for record in staff:
                for staff_role in roles_of(record):
                    roster_role = staff_role.role
                    organization = orgs.get(staff_role.org_sourced_id)
                    if organization is not None:
                        org_pk, kind = organization
                        role = roles.get((roster_role, kind))
                        if role is None:
                            role = roles[roster_role, kind] = trellis_role(roster_role, kind).value
                        found[MembershipKey(people[record.sourced_id], org_pk, role)] = None
            return found

        wanted = memberships(lambda record: record.roles)
        removed = set(memberships(lambda record: record.removed_roles))
        current: dict[MembershipKey, int] = {}
        if any_existing:
            person_ids = set(people.values())
            current = {MembershipKey(person_id, organization_id, role): pk for pk, person_id, organization_id, role in
                       Membership.objects.filter(from_roster=True).order_by()
                       .values_list("pk", "person_id", "organization_id", "role") if person_id in person_ids}
        new = sorted(m for m in wanted if m not in current)
        insert_rows(Membership, [NewMembership(*m, True) for m in new])
        if self.bundle.modes.get("roles.csv", self.bundle.modes.get("users.csv")) == "bulk":
            # Only roles at the organizations the file covers: a person listed in one district's
            # file keeps their roles elsewhere.
            removed |= {m for m in current.keys() - wanted.keys() if m.organization in self.covered}
        gone = removed & current.keys()
        if gone:
            paths = dict(Organization.objects.filter(pk__in={m.organization for m in gone})
                         .values_list("pk", "path"))
            gone = {m for m in gone if self.scope is None or paths[m.organization].startswith(self.scope.path)}
            for membership in gone:
                self.count_removal(paths[membership.organization], "Roles removed")
        for chunk in chunks(sorted(current[m] for m in gone), tuning.TUNING.ids_per_query):
            Membership.objects.filter(pk__in=chunk).delete()
        if gone:
            self.updated["Roles removed"] = len(gone)
        if new:
            self.created["Roles"] = len(new)

    def deactivate_missing(self, unlisted: list[KnownPerson]) -> None:
        """A bulk file is the whole truth for the organizations it covers: staff it no longer
        lists whose primary organization is one of those are switched off (never deleted, so
        their history stays); everyone else is left alone.

        ``unlisted`` holds the people Trellis had before this import that the file does not list."""
        gone = [person for person in unlisted
                if person.fields.is_active and person.fields.primary_organization in self.covered]
        for person in gone:
            self.count_removal(person.primary_path, "Staff switched off")
        for chunk in chunks(gone, tuning.TUNING.ids_per_query):
            Person.objects.filter(pk__in=[person.pk for person in chunk]).update(is_active=False)
            get_user_model().objects.filter(pk__in=[person.user for person in chunk]).update(is_active=False)
        if gone:
            self.updated["Staff accounts switched off"] = len(gone)

    # Student store -------------------------------------------------------------------------------
    def write_student_store(self, current: Path, out: Path) -> dict[str, SchoolStats]:
        """Merge the staged student files into a copy of the store, written to ``out``."""
        self.report("Writing the pseudonymised student store", 0, 1)
        schools = self.covered_schools()
        paths = {sourced_id: o.path for sourced_id, o in self.by_sourced_id.items()}
        for school, number in students_leaving(current, self.bundle, schools).items():
            self.count_removal(paths.get(school), "Students removed", number)
        return merge_student_store(current, self.bundle, out, covered_schools=schools)

    def covered_schools(self) -> set[str] | None:
        """The school sourcedIds whose students a bulk file replaces; None: the whole store (the
        file covers every organization Trellis holds)."""
        if not Organization.objects.exclude(pk__in=self.covered).filter(is_active=True).exists():
            return None
        return {sourced_id for sourced_id, o in self.by_sourced_id.items()
                if o.pk in self.covered or o.sourced_id != sourced_id}



def nces_id(identifier: str | None) -> str:
    """An org's identifier as its NCES id: NCES ids are at most 12 digits, so an identifier that
    is longer is some other system's and is not kept as one."""
    return identifier if identifier and len(identifier) <= 12 else ""



def _orgs_row(record: Any) -> str:
    row = getattr(record, "row", None)
    return f'orgs.csv, row {row}, column "parentSourcedId"' if row else "orgs.csv"


