"""A piloted detector with a known bias against English learners, and a roster store of its students."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.tools.conftest import days, make_inventory, make_tool, pdf_upload
from trellis.audits.sample import sample_outputs, write_student_store, write_upload
from trellis.tools import services
from trellis.tools.models import Deployment

BIAS = {"english_learner": {"Y": 3.0}}


def piloted(tree: Any, district_lead: Any) -> Deployment:
    tool = make_tool()
    make_inventory(tree, tool)
    services.decision_record(actor=district_lead.user, district=tree.district, tool=tool,
                             outcome="approved_with_conditions", reasons="Pilot first.",
                             conditions="A teacher reads every flag.", expires_on=days(300))
    services.agreement_add(actor=district_lead.user, district=tree.district, tool=tool, starts_on=days(-1),
                           ends_on=days(364), data_elements=["written_work"], clauses=["purpose"],
                           coppa_basis="school_authorization", upload=pdf_upload())
    return services.deployment_create(actor=district_lead.user, district=tree.district, tool=tool,
                                      schools=[tree.school], grades=["07"], stage="pilot", starts_on=days(0),
                                      question="Does it find AI-written essays without flagging our learners?")


@pytest.fixture
def pilot(tree: Any, district_lead: Any) -> Deployment:
    return piloted(tree, district_lead)


@pytest.fixture
def outputs() -> Any:
    return sample_outputs(6_000, seed=7, bias=BIAS)


@pytest.fixture
def roster_store(tree: Any, outputs: Any, settings: Any) -> Path:
    return write_student_store(outputs, key=settings.TRELLIS_PSEUDONYM_KEY.encode(),
                               schools=[tree.school.sourced_id, tree.outside_school.sourced_id],
                               store_dir=Path(settings.TRELLIS_DATA_DIR) / "roster")


def as_upload(path: Path, name: str | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(name or path.name, path.read_bytes())


@pytest.fixture
def upload_file(outputs: Any, tmp_path: Path) -> Path:
    return write_upload(outputs, tmp_path / "detector_outputs.csv", unmatched=37, human=True)
