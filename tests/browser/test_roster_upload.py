"""A state lead imports a roster in the browser and watches it run; a bad file is refused."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import pytest

from tests.browser.conftest import assert_accessible, sign_in
from tests.factories import PASSWORD
from tests.interop.conftest import set_cell
from trellis.engine.synth.roster import generate_state
from trellis.orgs.models import Organization, Person

pytestmark = pytest.mark.browser


def zip_folder(folder: Path, target: Path) -> Path:
    with zipfile.ZipFile(target, "w") as archive:
        for path in sorted(folder.iterdir()):
            archive.write(path, path.name)
    return target


@pytest.fixture
def roster_zip(tmp_path) -> Path:
    generate_state("small", seed=11, out_dir=tmp_path / "roster")
    return zip_folder(tmp_path / "roster", tmp_path / "roster.zip")


def test_state_lead_imports_a_roster_with_progress(page, state_lead, tree, roster_zip):
    sign_in(page, "state.lead", PASSWORD)
    page.get_by_role("link", name="Import a roster").click()
    page.get_by_role("heading", name="Import a roster for State of Example").wait_for()
    assert_accessible(page)
    page.locator("input#id_roster").set_input_files(str(roster_zip))
    page.get_by_role("button", name="Start the import").click()
    page.get_by_role("heading", name="Roster import for State of Example").wait_for()
    page.get_by_role("heading", name="Done").wait_for(timeout=60_000)
    assert_accessible(page)
    assert page.get_by_role("table", name="What was imported").is_visible()
    assert Organization.objects.filter(kind="school").count() == 3 + 3
    assert Person.objects.filter(sourced_id__isnull=False).count() > 50


def test_a_refused_roster_names_the_file_row_and_column(page, district_lead, tree, tmp_path, roster_zip):
    folder = tmp_path / "broken"
    with zipfile.ZipFile(roster_zip) as archive:
        archive.extractall(folder)
    set_cell(folder / "users.csv", 4, "enabledUser", "maybe")
    broken = zip_folder(folder, tmp_path / "broken.zip")
    before = (Organization.objects.count(), Person.objects.count())
    sign_in(page, "district.lead", PASSWORD)
    page.get_by_role("link", name="Import a roster").click()
    page.locator("input#id_roster").set_input_files(str(broken))
    page.get_by_role("button", name="Start the import").click()
    page.get_by_role("heading", name="Nothing was changed").wait_for(timeout=60_000)
    assert_accessible(page)
    message = page.get_by_role("alert").inner_text()
    assert "users.csv" in message and "row 4" in message and "enabledUser" in message
    assert (Organization.objects.count(), Person.objects.count()) == before
    shutil.rmtree(folder)


def test_an_import_that_removes_students_is_shown_first_and_made_only_when_confirmed(page, district_lead, tree,
                                                                                      tmp_path):
    from tests.orgs.test_roster_preview import TAO, students_by_school, without_last_student

    full = zip_folder(TAO, tmp_path / "tao.zip")
    fewer = zip_folder(without_last_student(TAO, tmp_path), tmp_path / "fewer.zip")
    sign_in(page, "district.lead", PASSWORD)
    for upload in (full, fewer):
        page.goto(f"/orgs/{tree.district.pk}/import/")
        page.locator("input#id_roster").set_input_files(str(upload))
        page.get_by_role("button", name="Start the import").click()
        page.get_by_role("heading", name="Done").wait_for(timeout=60_000)
    assert students_by_school() == {"12345": 1, "54321": 1}  # the second import waits for a yes
    page.get_by_role("link", name="Go to the changes to confirm").click()
    page.get_by_role("heading", name="Confirm the roster import for Cedar Valley Unified").wait_for()
    assert_accessible(page)
    table = page.get_by_role("table", name="What this import would take away")
    assert table.get_by_role("row", name="Cedar Valley Unified 0 0 1").is_visible()
    page.get_by_role("button", name="Make these changes").click()
    page.get_by_role("heading", name="Done").wait_for(timeout=60_000)
    assert_accessible(page)
    assert students_by_school() == {"12345": 1}
    assert page.get_by_role("table", name="What was imported").get_by_text("Students removed: Cedar Valley Unified")
