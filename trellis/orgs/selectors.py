"""Reads of organizations and people, already filtered to what the person may see."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import BooleanField, Case, Count, Q, QuerySet, Value, When
from django.http import Http404

from trellis.engine.quartiles import quartiles
from trellis.orgs.figures import cached_figure
from trellis.orgs.models import Membership, Organization, Person, Role
from trellis.orgs.permissions import (
    can_manage_organization,
    can_manage_person,
    memberships_of,
    visible_organizations_q,
)

QUARTILE_LABELS = {
    1: "Low poverty",
    2: "Low-middle poverty",
    3: "Middle-high poverty",
    4: "High poverty",
}


def organization_get(*, user: Any, pk: int) -> Organization:
    """One organization the person may see; anything else is "not found", never "forbidden",
    so that pages do not confirm which organizations exist elsewhere."""
    try:
        return Organization.objects.filter(visible_organizations_q(user)).select_related("parent").get(pk=pk)
    except Organization.DoesNotExist as exc:
        raise Http404("No such organization.") from exc


def home_organization_for(*, user: Any) -> tuple[Organization, Role] | None:
    """The organization and role a person's home page is built around: their widest membership."""
    memberships = memberships_of(user)
    if not memberships:
        return None
    first = memberships[0]
    return first.organization, Role(first.role)


def ancestors_of(organization: Organization) -> list[Organization]:
    ids = Organization.path_ids(organization.path)
    by_id = Organization.objects.in_bulk(ids[:-1])
    return [by_id[i] for i in ids[:-1] if i in by_id]


def poverty_quartiles(kind: str) -> dict[int, int]:
    """Poverty quartile (1 = lowest, 4 = highest share economically disadvantaged) of every
    active organization of one kind, statewide. Organizations without a share get no quartile."""
    rows = list(
        Organization.objects.filter(kind=kind, is_active=True, econ_disadvantaged_share__isnull=False)
        .values_list("pk", "econ_disadvantaged_share")
    )
    if not rows:
        return {}
    return dict(zip([pk for pk, _ in rows], quartiles([share for _, share in rows]), strict=True))


@dataclass(frozen=True)
class OrganizationRow:
    organization: Organization
    quartile: int | None
    staff: int

    @property
    def quartile_label(self) -> str:
        return QUARTILE_LABELS.get(self.quartile or 0, "Not known")


def staff_counts(organizations: list[Organization]) -> dict[int, int]:
    """The active people holding a role anywhere in each organization's subtree, by organization
    id (kept in the cache until organizations, people or roles change: trellis.orgs.figures)."""
    paths = tuple(sorted((organization.pk, organization.path) for organization in organizations))
    return cached_figure("staff_counts", paths, lambda: _staff_counts(organizations))


def _staff_counts(organizations: list[Organization]) -> dict[int, int]:
    """The active people holding a role anywhere in each organization's subtree, by organization
    id. Every page that shows a staff figure takes it from here, so a district's row in the
    state's table and the district's own page agree. One query for the whole list: the roles
    below the listed organizations' common ancestor, each credited to every listed organization
    whose path starts the path of the role's organization."""
    by_path = {organization.path: organization.pk for organization in organizations}
    if not by_path:
        return {}
    common = os.path.commonprefix(list(by_path))
    common = common[: common.rfind("/") + 1]
    people: dict[int, set[int]] = {pk: set() for pk in by_path.values()}
    credited: dict[int, list[int]] = {}
    roles = Membership.objects.filter(person__is_active=True, organization__path__startswith=common).order_by()
    for person_id, organization_id, path in roles.values_list("person_id", "organization_id", "organization__path"):
        listed = credited.get(organization_id)
        if listed is None:
            prefixes = (path[: end + 1] for end, char in enumerate(path) if char == "/")
            listed = credited[organization_id] = [by_path[prefix] for prefix in prefixes if prefix in by_path]
        for pk in listed:
            people[pk].add(person_id)
    return {pk: len(found) for pk, found in people.items()}


def children_for(
    *, user: Any, organization: Organization, kind: str | None = None, search: str = "",
    locale: str = "", quartile: int | None = None, order: str = "name",
) -> list[OrganizationRow]:
    """The organizations of one kind below ``organization`` (direct children when ``kind`` is
    None), with their poverty quartile and staff count, filtered and ordered for a listing."""
    query = Organization.objects.filter(visible_organizations_q(user), is_active=True)
    if kind is None:
        query = query.filter(parent=organization)
        kind_for_quartile = None
    else:
        query = query.filter(kind=kind, path__startswith=organization.path).exclude(pk=organization.pk)
        kind_for_quartile = kind
    if search:
        query = query.filter(Q(name__icontains=search) | Q(nces_id=search))
    if locale:
        query = query.filter(locale=locale)
    ordering = {
        "name": ["name"], "enrollment": ["-enrollment", "name"], "poverty": ["-econ_disadvantaged_share", "name"],
    }
    query = query.order_by(*ordering.get(order, ["name"]))
    organizations = list(query)
    staff = staff_counts(organizations)
    quartiles: dict[int, int] = {}
    for child_kind in {kind_for_quartile} if kind_for_quartile else {o.kind for o in organizations}:
        quartiles.update(poverty_quartiles(child_kind))
    rows = [OrganizationRow(o, quartiles.get(o.pk), staff[o.pk]) for o in organizations]
    if quartile:
        rows = [row for row in rows if row.quartile == quartile]
    return rows


def staff_list_for(*, user: Any, organization: Organization, search: str = "") -> QuerySet[Person]:
    """Active staff holding a role anywhere in the organization's subtree."""
    if not memberships_of(user):
        return Person.objects.none()
    people = Person.objects.filter(
        is_active=True,
        memberships__organization__path__startswith=organization.path,
    ).filter(memberships__organization__in=Organization.objects.filter(visible_organizations_q(user)))
    if search:
        people = people.filter(Q(given_name__icontains=search) | Q(family_name__icontains=search))
    # A person's main organization is named only to readers who may open it.
    primary_visible = Q(pk__in=[])
    for path in {m.organization.path for m in memberships_of(user)}:
        primary_visible |= Q(primary_organization__path__startswith=path)
    return (
        people.select_related("primary_organization")
        .annotate(primary_visible=Case(When(primary_visible, then=Value(True)), default=Value(False),
                                       output_field=BooleanField()))
        .distinct().order_by("family_name", "given_name")
    )


def role_counts_for(*, organization: Organization) -> dict[str, int]:
    """How many active people hold each role in the organization's subtree (cached like the staff counts)."""
    return cached_figure("role_counts", (organization.pk, organization.path), lambda: _role_counts(organization))


def _role_counts(organization: Organization) -> dict[str, int]:
    rows = (
        Membership.objects.filter(organization__path__startswith=organization.path, person__is_active=True)
        .values("role").annotate(people=Count("person", distinct=True))
    )
    labels = dict(Role.choices)
    return {labels[row["role"]]: row["people"] for row in rows}


def organization_summary(organization: Organization) -> dict[str, Any]:
    """Counts shown at the top of an organization's page."""
    below = Organization.objects.filter(path__startswith=organization.path, is_active=True)
    return {
        "districts": below.filter(kind=Organization.Kind.DISTRICT).count(),
        "schools": below.filter(kind=Organization.Kind.SCHOOL).count(),
        "staff": staff_counts([organization])[organization.pk],
    }


def poverty_profile(rows: list[OrganizationRow]) -> list[dict[str, Any]]:
    """The listed organizations and their students by poverty quartile: the picture a state lead
    looks at before asking whether high-poverty districts are reached."""
    profile = []
    for quartile, label in QUARTILE_LABELS.items():
        members = [row for row in rows if row.quartile == quartile]
        profile.append({
            "quartile": quartile,
            "label": label,
            "organizations": len(members),
            "students": sum(row.organization.enrollment or 0 for row in members),
        })
    return profile


def roster_review_get(*, user: Any, organization: Organization, pk: int) -> Any:
    """An import of ``organization``'s roster that ``user`` started and that waits for them to
    confirm what it takes away; anything else is "not found"."""
    from trellis.core.models import Job

    job = Job.objects.filter(pk=pk, kind="roster_import", started_by=user, organization_id=organization.pk).first()
    if job is None or not (job.result or {}).get("preview"):
        raise Http404("No such import.")
    return job
def memberships_at_for(*, user: Any, organization: Organization) -> QuerySet[Membership]:
    """The roles held over one organization, for a lead who manages it."""
    if not can_manage_organization(user, organization):
        raise PermissionDenied("Only a district AI lead or the state AI lead can change roles here.")
    return (
        Membership.objects.filter(organization=organization, person__is_active=True)
        .select_related("person", "person__user").order_by("person__family_name", "person__given_name", "role")
    )


def membership_get_for(*, user: Any, organization: Organization, pk: int) -> Membership:
    try:
        return memberships_at_for(user=user, organization=organization).get(pk=pk)
    except Membership.DoesNotExist as exc:
        raise Http404("No such role.") from exc


def person_find_for(*, user: Any, username_or_email: str) -> Person | None:
    """The active person with this username or email whom ``user`` may give roles to. Anyone
    else is "not found", so the form does not confirm who has an account elsewhere."""
    text = username_or_email.strip()
    if not text:
        return None
    found = list(
        Person.objects.filter(Q(user__username__iexact=text) | Q(email__iexact=text), is_active=True)
        .select_related("user", "primary_organization")[:2]
    )
    if len(found) != 1 or not can_manage_person(user, found[0]):
        return None
    return found[0]
