"""`trellis import oneroster` on the command line: --into, the preview of what an import takes
away, the question, and --yes."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from tests.orgs.test_roster_import import snapshot, store_bytes
from tests.orgs.test_roster_preview import TAO, students_by_school, without_last_student
from trellis.cli import app
from trellis.cli import roster as roster_cli

runner = CliRunner()


def run(*args: object, answer: str | None = None):
    return runner.invoke(app, ["import", "oneroster", *(str(a) for a in args)], input=answer)


@pytest.mark.django_db(transaction=True)
def test_into_places_an_export_without_its_district(tree):
    result = run(TAO, "--into", "d-river")
    assert result.exit_code == 0, result.output
    assert "Schools" in result.output and "orgs:school" not in result.output
    assert students_by_school() == {"12345": 1, "54321": 1}


@pytest.mark.django_db(transaction=True)
def test_into_an_organization_trellis_does_not_have_is_refused(tree):
    result = run(TAO, "--into", "nowhere")
    assert result.exit_code == 2
    assert ('Nothing was imported. --into: "nowhere" is not the sourcedId or NCES id of an organization in '
            "Trellis.") in " ".join(result.output.split())


@pytest.mark.django_db(transaction=True)
def test_without_a_person_to_answer_an_import_that_removes_students_is_refused(tree, tmp_path_factory):
    assert run(TAO, "--into", "d-river").exit_code == 0
    before, files = snapshot(), store_bytes()
    fewer = without_last_student(TAO, tmp_path_factory.mktemp("fewer"))
    result = run(fewer, "--into", "d-river")
    assert result.exit_code == 1
    assert "This import would take away" in result.output and "Riverside City" in result.output
    assert "Run it again with --yes" in " ".join(result.output.split())
    assert (snapshot(), store_bytes()) == (before, files)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("answer", "kept"), [("n\n", {"12345": 1, "54321": 1}), ("y\n", {"12345": 1})])
def test_a_person_at_the_terminal_is_asked(tree, tmp_path_factory, monkeypatch, answer, kept):
    assert run(TAO, "--into", "d-river").exit_code == 0
    monkeypatch.setattr(roster_cli, "interactive", lambda: True)
    result = run(without_last_student(TAO, tmp_path_factory.mktemp("fewer")), "--into", "d-river", answer=answer)
    assert "Make these changes?" in result.output
    assert result.exit_code == (0 if answer == "y\n" else 1)
    assert students_by_school() == kept


@pytest.mark.django_db(transaction=True)
def test_yes_makes_the_changes_without_asking(tree, tmp_path_factory):
    assert run(TAO, "--into", "d-river").exit_code == 0
    result = run(without_last_student(TAO, tmp_path_factory.mktemp("fewer")), "--into", "d-river", "--yes")
    assert result.exit_code == 0, result.output
    assert "Make these changes?" not in result.output
    assert students_by_school() == {"12345": 1}


@pytest.mark.django_db(transaction=True)
def test_a_damaged_zip_gets_a_plain_message_and_no_traceback(tree, tmp_path_factory):
    from tests.interop.test_oneroster_zip_limits import damaged

    result = run(damaged(tmp_path_factory.mktemp("z")))
    assert result.exit_code == 1
    assert "roster.zip: is damaged" in " ".join(result.output.split())
    assert "Traceback" not in result.output and "CRC" not in result.output
