"""The state lead changes a catalog entry in the browser's form; everyone else is refused and
nothing changes."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from tests.tools.conftest import client_for
from trellis.core.models import AuditEvent
from trellis.tools import services
from trellis.tools.models import Tool


def fields(tool: Tool, **changes):
    data = {name: getattr(tool, name) for name in services.TOOL_FIELDS}
    data.update(changes)
    return {k: ("" if v is None else v) for k, v in data.items()}


def test_the_state_lead_changes_a_catalog_entry_and_the_log_keeps_what_changed(tool, state_lead):
    client = client_for(state_lead)
    page = client.get(reverse("tool-edit", args=[tool.pk])).content.decode()
    assert 'value="Quillmark Detect"' in page and 'value="https://example.org/privacy"' in page
    assert reverse("tool-edit", args=[tool.pk]) in client.get(reverse("tool-detail", args=[tool.pk])).content.decode()
    response = client.post(reverse("tool-edit", args=[tool.pk]),
                           fields(tool, version="4.0", ai_functions=["detects", "scores"], youngest_age="12"))
    assert response.status_code == 302
    tool.refresh_from_db()
    assert (tool.version, tool.ai_functions, tool.youngest_age) == ("4.0", ["detects", "scores"], 12)
    event = AuditEvent.objects.get(action="tool.change")
    assert event.details["changes"]["version"] == {"was": "3.2", "now": "4.0"}
    assert set(event.details["changes"]) == {"version", "ai_functions", "youngest_age"}
    # Saving without a change writes nothing.
    client.post(reverse("tool-edit", args=[tool.pk]), fields(tool))
    assert AuditEvent.objects.filter(action="tool.change").count() == 1


def test_a_refused_change_keeps_what_was_typed_and_changes_nothing(tool, state_lead):
    before = AuditEvent.objects.count()
    response = client_for(state_lead).post(reverse("tool-edit", args=[tool.pk]),
                                           fields(tool, version="5.0", privacy_policy_url="not a link",
                                                  ai_functions=[]))
    assert response.status_code == 200
    body = response.content.decode()
    assert 'value="5.0"' in body and 'value="not a link"' in body
    tool.refresh_from_db()
    assert tool.version == "3.2" and AuditEvent.objects.count() == before


@pytest.mark.parametrize("role", ["state_analyst", "regional_coach", "district_lead", "school_leader", "teacher",
                                  "outsider"])
def test_only_the_state_lead_changes_the_catalog(request, tool, role):
    person = request.getfixturevalue(role)
    before = (AuditEvent.objects.count(), list(Tool.objects.values()))
    client = client_for(person)
    assert client.get(reverse("tool-edit", args=[tool.pk])).status_code in (403, 404)
    response = client.post(reverse("tool-edit", args=[tool.pk]), fields(tool, product="Renamed"))
    assert response.status_code in (403, 404)
    assert reverse("tool-edit", args=[tool.pk]) not in client.get(
        reverse("tool-detail", args=[tool.pk])).content.decode()
    with pytest.raises(PermissionDenied):
        services.tool_update(actor=person.user, tool=tool, **fields(tool, product="Renamed", youngest_age=None))
    assert (AuditEvent.objects.count(), list(Tool.objects.values())) == before
