"""Every URL that carries an id, tried by every role (and by no one signed in) with ids of things
they may and may not see: a person gets the page only where the permissions say so, and a refusal
shows nothing of the object and changes nothing."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.commons.test_workflow import FIELDS
from tests.factories import PASSWORD
from trellis.commons.permissions import adopting_districts, can_curate, can_edit_item
from trellis.commons.services import commons_item_create, commons_item_publish
from trellis.core.models import AuditEvent, Job
from trellis.orgs.models import Membership, Organization
from trellis.orgs.permissions import can_manage_organization, can_view_organization
from trellis.roadmap.permissions import can_edit_roadmap, can_view_roadmap

ROLES = ["state_lead", "state_analyst", "regional_coach", "district_lead", "school_leader", "teacher", "outsider"]

#: For each URL name that carries an id: what the id names and who may open it. A new URL with an
#: id makes ``test_every_url_with_an_id_is_listed`` fail until it is added here.
ORGANIZATION_VIEW = "view"
ORGANIZATION_MANAGE = "manage"
JOB_OWNER = "job"
ROADMAP_VIEW = "roadmap"
ROADMAP_EDIT = "roadmap-edit"  # POST only
ID_URLS = {
    "organization-detail": ORGANIZATION_VIEW,
    "staff-list": ORGANIZATION_VIEW,
    "roster-import": ORGANIZATION_MANAGE,
    "job-detail": JOB_OWNER,
    "roadmap:district": ROADMAP_VIEW,
    "roadmap:district-submit": ROADMAP_EDIT,
}
COMMONS_VIEW = "commons"
COMMONS_EDIT = "commons-edit"
COMMONS_REVIEW = "commons-review"  # POST only
COMMONS_ADOPT = "commons-adopt"  # POST only
ID_URLS.update({
    "commons:item": COMMONS_VIEW,
    "commons:edit": COMMONS_EDIT,
    "commons:review": COMMONS_REVIEW,
    "commons:adopt": COMMONS_ADOPT,
})
#: Id URLs whose per-role refusals are tested beside their app, each with its denied cases per role
#: and the outsider (for the vision: a draft seen only by state staff, editing and moderating refused
#: to all but the state lead), not tried here yet.
TRIED_IN_THEIR_OWN_TESTS = {
    "vision:version", "vision:edit", "vision:comment", "vision:moderate",
    # tests/orgs/test_roles.py and test_roster_review_views.py
    "organization-roles", "membership-remove", "roster-import-confirm",
    # tests/accounts (the token in the link is the secret, not the id)
    "password_reset_confirm",
    # tests/tools/test_views.py, test_public.py, test_smoke_pages.py
    "agreement-create", "agreement-file", "decision-create", "incident-detail", "opt-out-detail", "review-detail",
    "review-publish", "review-start", "tool-detail", "tool-inventory", "tool-inventory-add", "tool-request-create",
    "tool-request-detail", "public-concern", "public-district", "public-opt-out", "public-school",
    # tests/tools/test_tool_edit.py
    "tool-edit",
    # tests/audits/test_gate_and_views.py, test_audit_upload.py and test_override_ledger.py
    "audit-detail", "audit-upload", "deployment-detail", "deployment-list", "finding-answer", "override-ledger",
    # tests/learning
    "certificate", "competency-edit", "cycle-detail", "framework-detail", "framework-export",
    "framework-new-version", "framework-publish", "observation-create", "offering-cancel", "offering-detail",
    "offering-join", "proposal-answer", "self-assessment-summary", "session-add", "session-attendance",
    "survey-detail", "offering-publish",
    # tests/api/test_tokens.py
    "api-token-revoke",
    # tests/insights
    "insights:stream-edit", "insights:district-funding", "insights:district-plans", "insights:plan",
    "insights:plan-submit", "insights:goal-feedback", "insights:district-reports", "insights:report",
    "insights:report-review", "insights:report-pdf", "insights:feedback-respond",
    # tests/commons/test_public_commons.py and tests/recognition
    "public-commons-item", "recognition:programme", "recognition:application", "recognition:score",
    "recognition:decide", "public-badge-programme", "public-badge", "public-badge-token", "public-badge-status",
}
COMMONS = {COMMONS_VIEW, COMMONS_EDIT, COMMONS_REVIEW, COMMONS_ADOPT}
POST_ONLY = {ROADMAP_EDIT, COMMONS_REVIEW, COMMONS_ADOPT}


def routes(resolver: URLResolver, prefix: str = "", namespace: str = "") -> Iterator[tuple[str, str, URLPattern]]:
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from routes(entry, prefix + str(entry.pattern), inner)
        else:
            yield f"{namespace}{entry.name or ''}", prefix + str(entry.pattern), entry


def test_every_url_with_an_id_is_listed():
    carrying = {name for name, route, _ in routes(get_resolver())
                if "<" in route and not route.startswith("admin/")}
    assert carrying == set(ID_URLS) | TRIED_IN_THEIR_OWN_TESTS


def _main(page: str) -> str:
    """The page's main content, without the header that names the signed-in person's organization."""
    start = page.find('<main')
    return page[start:page.find('</main>', start)] if start >= 0 else page


def _commons_visible(user: Any, item: Any) -> bool:
    return item.status == "published" or item.submitted_by_id == user.pk or can_curate(user)


def _allowed(kind: str, user: Any, target: Any) -> bool:
    if kind in COMMONS:
        visible = _commons_visible(user, target)
        return visible and {
            COMMONS_VIEW: True, COMMONS_EDIT: can_edit_item(user, target), COMMONS_REVIEW: can_curate(user),
            COMMONS_ADOPT: bool(adopting_districts(user)),
        }[kind]
    if kind == JOB_OWNER:
        return target.started_by_id == user.pk
    if kind == ORGANIZATION_MANAGE:
        return can_manage_organization(user, target)
    if kind == ROADMAP_VIEW:
        return can_view_roadmap(user, target)
    if kind == ROADMAP_EDIT:
        return can_edit_roadmap(user, target)
    return can_view_organization(user, target)


@pytest.fixture
def everyone(request, tree):
    return {role: request.getfixturevalue(role) for role in ROLES}


@pytest.mark.parametrize("name", sorted(ID_URLS))
def test_each_role_opens_only_what_it_may(name, everyone, tree):
    kind = ID_URLS[name]
    jobs = [Job.objects.create(kind="roster_import", title=f"Import by {role}", started_by=person.user,
                               status=Job.Status.SUCCEEDED) for role, person in everyone.items()]
    items = [commons_item_create(actor=person.user, fields={**FIELDS, "title": f"Practice of {role}"},
                                 submit=False) for role, person in everyone.items()]
    published = commons_item_create(actor=everyone["teacher"].user, fields={**FIELDS, "title": "Published one"},
                                    submit=True)
    items.append(commons_item_publish(actor=everyone["state_lead"].user, item=published))
    targets = jobs if kind == JOB_OWNER else items if kind in COMMONS else list(Organization.objects.all())
    before = (AuditEvent.objects.count(), Membership.objects.count(), Job.objects.count())
    for role, person in everyone.items():
        client = Client()
        client.login(username=person.user.username, password=PASSWORD)
        for target in targets:
            url = reverse(name, args=[target.pk])
            allowed = _allowed(kind, person.user, target)
            if kind in POST_ONLY:
                assert client.get(url).status_code == 405, (role, url)
                if allowed:
                    continue
                response = client.post(url, {})
            else:
                response = client.get(url)
            assert response.status_code == (200 if allowed else response.status_code), (role, url)
            if allowed:
                continue
            assert response.status_code in (403, 404), (role, url, response.status_code)
            title = getattr(target, "name", None) or target.title
            if not (kind in COMMONS and _commons_visible(person.user, target)):
                # The page's header names the person's own organization; the refusal is the main part.
                assert title not in _main(response.content.decode()), (role, url)
            if kind == ORGANIZATION_MANAGE:
                assert client.post(url, {}).status_code in (403, 404), (role, url)
        missing = reverse(name, args=[10**9])
        assert (client.post if kind in POST_ONLY else client.get)(missing).status_code == 404, (role, missing)
    anonymous = Client()
    for target in targets[:3]:
        response = (anonymous.post if kind in POST_ONLY else anonymous.get)(reverse(name, args=[target.pk]))
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert (AuditEvent.objects.count(), Membership.objects.count(), Job.objects.count()) == before


def test_the_admin_is_closed_to_every_role(everyone, tree):
    for person in everyone.values():
        client = Client()
        client.login(username=person.user.username, password=PASSWORD)
        response = client.get(reverse("admin:orgs_organization_change", args=[tree.district.pk]))
        assert response.status_code == 302 and "/admin/login/" in response["Location"]
