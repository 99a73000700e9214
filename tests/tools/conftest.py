"""A small governance history over the shared tree: one catalog tool, in the district's inventory."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from tests.factories import PASSWORD
from trellis.tools import services
from trellis.tools.models import Tool


def client_for(person: Any) -> Client:
    client = Client()
    assert client.login(username=person.user.username, password=PASSWORD)
    return client


def close_file(response: Any) -> None:
    """Read a file download to its end, which closes its file the way a server would. Not
    ``response.close()`` on its own: that ends the request a second time and closes the database
    connection the test is using."""
    if response.streaming:
        b"".join(response.streaming_content)


def days(n: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=n)


def make_tool() -> Tool:
    return services.tool_create(
        actor=None, vendor="Quillmark Learning", product="Quillmark Detect", version="3.2",
        summary="Checks essays for writing that may have come from an AI chatbot.",
        ai_functions=["detects"], model_provider="Quillmark", student_data=["name", "written_work"],
        youngest_age=10, privacy_policy_url="https://example.org/privacy",
    )


@pytest.fixture
def tool(db: None) -> Tool:
    return make_tool()


@pytest.fixture
def other_tool(db: None) -> Tool:
    return services.tool_create(
        actor=None, vendor="Storybright", product="Storybright Tutor", summary="Reads along with young readers.",
        ai_functions=["tutors", "generates"], model_provider="OpenModel Co", provider_kind="third_party",
        student_data=["voice", "usage"], youngest_age=5,
    )


@pytest.fixture
def in_inventory(tree: Any, tool: Tool) -> Any:
    return make_inventory(tree, tool)


def make_inventory(tree: Any, tool: Tool) -> Any:
    return services.inventory_save(actor=None, district=tree.district, tool=tool, schools=[tree.school],
                                   grades=["06", "07", "08"], purpose="Checking essays in middle-school English.")


def pdf_upload(name: str = "signed.pdf", body: bytes = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n") -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, body, content_type="application/pdf")
