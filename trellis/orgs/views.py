from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST

from trellis.core.pages import cached_page
from trellis.orgs import selectors
from trellis.orgs.forms import OrganizationFilterForm, RoleGrantForm, RosterUploadForm
from trellis.orgs.home import school_tasks
from trellis.orgs.models import Organization, Role
from trellis.orgs.permissions import can_manage_organization, can_view_organization
from trellis.orgs.services import (
    confirmation_deadline,
    membership_grant,
    membership_remove,
    roster_import_cancel,
    roster_import_confirm,
    roster_import_start,
)
from trellis.orgs.uploads import RosterUploadLimit

LISTED_KIND = {
    Organization.Kind.STATE: Organization.Kind.DISTRICT,
    Organization.Kind.REGION: Organization.Kind.DISTRICT,
    Organization.Kind.DISTRICT: Organization.Kind.SCHOOL,
}


@login_required
@cached_page
def home(request: HttpRequest) -> HttpResponse:
    scope = selectors.home_organization_for(user=request.user)
    if scope is None:
        return render(request, "orgs/no_role.html")
    return organization_page(request, scope[0], home_role=scope[1])


@login_required
@cached_page
def organization_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return organization_page(request, selectors.organization_get(user=request.user, pk=pk))


def organization_page(request: HttpRequest, organization: Organization, home_role: Role | None = None) -> HttpResponse:
    listed_kind = LISTED_KIND.get(Organization.Kind(organization.kind))
    form = OrganizationFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    rows: list[selectors.OrganizationRow] = []
    profile: list[dict[str, object]] = []
    if listed_kind:
        # The chart covers every listed organization; the table only those the filters keep.
        every = selectors.children_for(user=request.user, organization=organization, kind=listed_kind)
        profile = selectors.poverty_profile(every)
        narrowed = any(filters.get(name) for name in ("search", "locale", "quartile"))
        order = filters.get("order") or "name"
        rows = every if not narrowed and order == "name" else selectors.children_for(
            user=request.user, organization=organization, kind=listed_kind,
            search=filters.get("search", ""), locale=filters.get("locale", ""),
            quartile=filters.get("quartile"), order=order,
        )
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "organization": organization,
        "ancestors": [o for o in selectors.ancestors_of(organization) if can_view_organization(request.user, o)],
        "summary": selectors.organization_summary(organization),
        "listed_kind": listed_kind,
        "listed_label": Organization.Kind(listed_kind).label if listed_kind else "",
        "page": Paginator(rows, 50).get_page(request.GET.get("page")),
        "filter_form": form,
        "query": query.urlencode(),
        "quartile": selectors.poverty_quartiles(organization.kind).get(organization.pk)
        if organization.kind in (Organization.Kind.DISTRICT, Organization.Kind.SCHOOL) else None,
        "quartile_labels": selectors.QUARTILE_LABELS,
        "staff": selectors.staff_list_for(user=request.user, organization=organization)[:25]
        if organization.kind == Organization.Kind.SCHOOL else None,
        "roles": selectors.role_counts_for(organization=organization),
        "can_manage": can_manage_organization(request.user, organization),
        "your_work": school_tasks(home_role, organization) if home_role else None,
        "profile": profile if any(row["organizations"] for row in profile) else [],
        "profile_chart": poverty_chart(profile, Organization.Kind(listed_kind).label.lower()) if listed_kind else None,
    }
    return render(request, "orgs/organization.html", context)


def poverty_chart(profile: list[dict[str, object]], listed: str) -> dict[str, object]:
    """A Vega-Lite bar chart of students by poverty level; the page carries the same numbers as a table."""
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v6.json",
        "description": f"Students in each poverty level of {listed}s",
        "width": "container",
        "height": 180,
        "data": {"values": profile},
        "mark": {"type": "bar", "color": "#005ea2"},
        "encoding": {
            "y": {"field": "label", "type": "nominal", "sort": None, "title": None},
            "x": {"field": "students", "type": "quantitative", "title": "Students"},
            "tooltip": [
                {"field": "label", "title": "Poverty level"},
                {"field": "organizations", "title": f"{listed.capitalize()}s"},
                {"field": "students", "title": "Students", "format": ","},
            ],
        },
    }


@login_required
@cached_page
def staff_list(request: HttpRequest, pk: int) -> HttpResponse:
    organization = selectors.organization_get(user=request.user, pk=pk)
    search = request.GET.get("search", "")[:100]
    people = selectors.staff_list_for(user=request.user, organization=organization, search=search)
    page = Paginator(people, 50).get_page(request.GET.get("page"))
    return render(request, "orgs/staff_list.html", {
        "organization": organization, "page": page, "search": search,
        "query": f"search={search}" if search else "",
    })


@csrf_exempt  # checked below, once the upload's size limit is in place (it must come first)
def roster_import(request: HttpRequest, pk: int) -> HttpResponse:
    limit = RosterUploadLimit(request)
    request.upload_handlers.insert(0, limit)
    return _roster_import(request, pk, limit)


@login_required
@csrf_protect
def _roster_import(request: HttpRequest, pk: int, limit: RosterUploadLimit) -> HttpResponse:
    organization = selectors.organization_get(user=request.user, pk=pk)
    if not can_manage_organization(request.user, organization):
        raise PermissionDenied("Only a district AI lead or the state AI lead can import a roster.")
    bound = request.method == "POST"
    form = RosterUploadForm(request.POST if bound else None, request.FILES if bound else None,
                            too_large=bound and limit.too_large)
    if request.method == "POST" and form.is_valid():
        job = roster_import_start(actor=request.user, upload=form.cleaned_data["roster"], scope=organization)
        return redirect("job-detail", pk=job.pk)
    return render(request, "orgs/roster_import.html", {"organization": organization, "form": form})


@login_required
def roster_import_review(request: HttpRequest, pk: int, job_pk: int) -> HttpResponse:
    """What an uploaded roster would take away, and the choice to make the changes or not."""
    from trellis.orgs.roster import REMOVAL_KINDS  # the roster reader loads DuckDB: only when needed

    organization = selectors.organization_get(user=request.user, pk=pk)
    if not can_manage_organization(request.user, organization):
        raise PermissionDenied("Only a district AI lead or the state AI lead can import a roster.")
    job = selectors.roster_review_get(user=request.user, organization=organization, pk=job_pk)
    if request.method == "POST" and not job.result.get("answered"):
        if request.POST.get("answer") == "confirm":
            started = roster_import_confirm(actor=request.user, job=job, scope=organization)
            return redirect("job-detail", pk=started.pk)
        roster_import_cancel(actor=request.user, job=job, scope=organization)
        return redirect("organization-detail", pk=organization.pk)
    return render(request, "orgs/roster_review.html", {
        "organization": organization, "job": job, "kinds": REMOVAL_KINDS,
        "deadline": confirmation_deadline(job), "wait_hours": settings.TRELLIS_CONFIRM_WAIT_HOURS,
        "rows": [(district, [kinds.get(kind, 0) for kind in REMOVAL_KINDS])
                 for district, kinds in sorted(job.result["preview"].items())],
    })
def organization_roles(request: HttpRequest, pk: int) -> HttpResponse:
    organization = selectors.organization_get(user=request.user, pk=pk)
    memberships = selectors.memberships_at_for(user=request.user, organization=organization)
    form = RoleGrantForm(request.POST or None, user=request.user, organization=organization)
    if request.method == "POST" and form.is_valid():
        try:
            membership_grant(actor=request.user, person=form.cleaned_data["person"], organization=organization,
                             role=form.cleaned_data["role"])
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            person, role = form.cleaned_data["person"], Role(form.cleaned_data["role"])
            messages.success(request, f"{person.full_name} is now {role.label.lower()} at {organization.name}.")
            return redirect("organization-roles", pk=organization.pk)
    return render(request, "orgs/roles.html", {
        "organization": organization, "form": form,
        "page": Paginator(memberships, 50).get_page(request.GET.get("page")), "query": "",
    }, status=400 if form.errors else 200)


@login_required
@require_POST
def membership_remove_view(request: HttpRequest, pk: int, membership_pk: int) -> HttpResponse:
    organization = selectors.organization_get(user=request.user, pk=pk)
    membership = selectors.membership_get_for(user=request.user, organization=organization, pk=membership_pk)
    try:
        membership_remove(actor=request.user, membership=membership)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"{membership.person.full_name} is no longer "
                                  f"{Role(membership.role).label.lower()} at {organization.name}.")
    return redirect("organization-roles", pk=organization.pk)
