"""Funding, plans and reports over the small tree of tests/conftest.py."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from tests.factories import PASSWORD
from tests.learning.test_measures import year_of_pl  # noqa: F401  (a year of PL in the tree, as a fixture)

ROLES = ["state_lead", "state_analyst", "regional_coach", "district_lead", "school_leader", "teacher", "outsider"]
#: Who reads a district's funding, plans and reports, and who writes them (tests/conftest.py's tree).
VIEWERS = {"state_lead", "state_analyst", "regional_coach", "district_lead"}
EDITORS = {"state_lead", "district_lead"}


def client_for(person: Any) -> Client:
    client = Client()
    assert client.login(username=person.user.username, password=PASSWORD)
    return client


def snapshot() -> tuple[Any, ...]:
    """Everything the insights app stores and the audit log, to assert a refusal changed nothing."""
    from trellis.core.models import AuditEvent
    from trellis.insights import models as m

    return (
        list(m.FundingStream.objects.order_by("pk").values_list("code", "name", "allowable_uses", "is_active")),
        list(m.Allocation.objects.order_by("pk").values_list("district_id", "stream_id", "year", "amount")),
        list(m.Spending.objects.order_by("pk").values_list("district_id", "offering_id", "amount")),
        list(m.Plan.objects.order_by("pk").values_list("title", "status")),
        list(m.PlanGoal.objects.order_by("pk").values_list("statement")),
        list(m.PlanLine.objects.order_by("pk").values_list("year", "amount")),
        list(m.GoalFeedback.objects.order_by("pk").values_list("body")),
        list(m.AnnualReport.objects.order_by("pk").values_list("status", "submitted_at", "reviewed_at")),
        list(m.ReportSection.objects.order_by("pk").values_list("key", "narrative", "figures")),
        list(m.SectionFeedback.objects.order_by("pk").values_list("rating", "body", "response")),
        # A reader's first look at a PDF starts the job that draws it; that changes no data.
        AuditEvent.objects.exclude(action="job.start").count(),
    )


@pytest.fixture
def offerings(tree: Any) -> dict[str, Any]:
    """A one-time workshop and a coaching cycle of the district, and a course of the other district."""
    from trellis.learning.services.offerings import offering_create

    common = {"provider": "district", "modality": "in_person", "credit_hours": Decimal("6")}
    return {
        "workshop": offering_create(actor=None, organization=tree.district, title="Prompting 101",
                                    format="workshop", **common),
        "coaching": offering_create(actor=None, organization=tree.district, title="AI coaching cycle",
                                    format="coaching", **common),
        "elsewhere": offering_create(actor=None, organization=tree.other_district, title="Riverside course",
                                     format="course", **common),
    }


@pytest.fixture
def title_ii(db: None) -> Any:
    from trellis.insights.models import FundingStream
    from trellis.insights.streams import seed_streams

    # A test that flushed the database (a browser test's live server) took the migration's streams.
    seed_streams(FundingStream)
    return FundingStream.objects.get(code="title-ii-a")


@pytest.fixture
def spent(tree: Any, offerings: dict[str, Any], title_ii: Any) -> None:
    """2026: $30,000 allocated; $9,000 spent on the workshop and $3,000 on coaching."""
    from trellis.insights.services import allocation_set, spending_record

    allocation_set(actor=None, district=tree.district, stream=title_ii, year=2026, amount=Decimal("30000"))
    for offering, amount in ((offerings["workshop"], "9000"), (offerings["coaching"], "3000")):
        spending_record(actor=None, district=tree.district, stream=title_ii, year=2026, offering=offering,
                        amount=Decimal(amount), spent_on=datetime.date(2025, 10, 1))
