"""The synthetic state generator: OneRoster 1.2 files, determinism, integrity and shape."""

from __future__ import annotations

import csv
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from trellis.cli import app
from trellis.engine.synth.learning import XAPI_FILE
from trellis.engine.synth.roster import FILES, SIZES, SynthSize, generate_state
from trellis.engine.synth.roster_plan import build_plan

EXPECTED_HEADERS = {
    "orgs.csv": "sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId,"
    "metadata.locale",
    "users.csv": "sourcedId,status,dateLastModified,enabledUser,username,userIds,givenName,"
    "familyName,middleName,identifier,email,sms,phone,agentSourcedIds,grades,password,"
    "userMasterIdentifier,resourceSourcedIds,preferredGivenName,preferredMiddleName,"
    "preferredFamilyName,primaryOrgSourcedId,pronouns",
    "roles.csv": "sourcedId,status,dateLastModified,userSourcedId,roleType,role,beginDate,endDate,"
    "orgSourcedId,userProfileSourcedId",
    "demographics.csv": "sourcedId,status,dateLastModified,birthDate,sex,"
    "americanIndianOrAlaskaNative,asian,blackOrAfricanAmerican,"
    "nativeHawaiianOrOtherPacificIslander,white,demographicRaceTwoOrMoreRaces,"
    "hispanicOrLatinoEthnicity,countryOfBirthCode,stateOfBirthAbbreviation,cityOfBirth,"
    "publicSchoolResidenceStatus,metadata.englishLearner,metadata.studentWithDisability,"
    "metadata.economicallyDisadvantaged,metadata.homeless,metadata.fosterCare,"
    "metadata.militaryConnected,metadata.migrant",
    "academicSessions.csv": "sourcedId,status,dateLastModified,title,type,startDate,endDate,"
    "parentSourcedId,schoolYear",
    "courses.csv": "sourcedId,status,dateLastModified,schoolYearSourcedId,title,courseCode,grades,"
    "orgSourcedId,subjects,subjectCodes",
    "classes.csv": "sourcedId,status,dateLastModified,title,grades,courseSourcedId,classCode,"
    "classType,location,schoolSourcedId,termSourcedIds,subjects,subjectCodes,periods",
    "enrollments.csv": "sourcedId,status,dateLastModified,classSourcedId,schoolSourcedId,"
    "userSourcedId,role,primary,beginDate,endDate",
    "manifest.csv": "propertyName,value",
}

EXPECTED_MANIFEST = {
    "manifest.version": "1.0",
    "oneroster.version": "1.2",
    "file.academicSessions": "bulk",
    "file.categories": "absent",
    "file.classes": "bulk",
    "file.classResources": "absent",
    "file.courses": "bulk",
    "file.courseResources": "absent",
    "file.demographics": "bulk",
    "file.enrollments": "bulk",
    "file.lineItemLearningObjectiveIds": "absent",
    "file.lineItems": "absent",
    "file.lineItemScoreScales": "absent",
    "file.orgs": "bulk",
    "file.resources": "absent",
    "file.resultLearningObjectiveIds": "absent",
    "file.results": "absent",
    "file.resultScoreScales": "absent",
    "file.roles": "bulk",
    "file.scoreScales": "absent",
    "file.userProfiles": "absent",
    "file.userResources": "absent",
    "file.users": "bulk",
    "source.systemName": "Trellis synthetic state",
    "source.systemCode": "trellis-synth",
}

# Like ``medium`` in shape (all four locales, skewed district sizes) but quick to generate.
SHARES_SIZE = replace(
    SIZES["state"], name="test", regions=3, districts=60, students=30_000, description="tests"
)


def _read(directory: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(directory / name, dtype=str, keep_default_na=False)


def _flag(column: pd.Series) -> pd.Series:
    return column.map({"true": True, "false": False}).astype(bool)


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("small")
    generate_state("small", seed=11, out_dir=out)
    return out


@pytest.fixture(scope="module")
def shares(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("shares")
    generate_state(SHARES_SIZE, seed=5, out_dir=out)
    return out


def test_writes_exactly_the_oneroster_files(small: Path) -> None:
    assert sorted(p.name for p in small.iterdir()) == sorted(FILES)
    assert len(FILES) == 9


@pytest.mark.parametrize("name", sorted(EXPECTED_HEADERS))
def test_header_is_the_oneroster_1_2_header(small: Path, name: str) -> None:
    with (small / name).open(encoding="utf-8", newline="") as handle:
        first_line = handle.readline()
    assert first_line == EXPECTED_HEADERS[name] + "\n"


def test_manifest_declares_bulk_files_and_version(small: Path) -> None:
    manifest = _read(small, "manifest.csv")
    assert dict(zip(manifest["propertyName"], manifest["value"], strict=True)) == EXPECTED_MANIFEST


@pytest.mark.parametrize("name", sorted(set(FILES) - {"manifest.csv"}))
def test_bulk_rows_leave_status_and_date_blank(small: Path, name: str) -> None:
    table = _read(small, name)
    assert (table["status"] == "").all()
    assert (table["dateLastModified"] == "").all()


def test_same_seed_gives_identical_bytes(small: Path, tmp_path: Path) -> None:
    generate_state("small", seed=11, out_dir=tmp_path)
    for name in FILES:
        assert (tmp_path / name).read_bytes() == (small / name).read_bytes(), name


def test_different_seed_gives_different_files(small: Path, tmp_path: Path) -> None:
    generate_state("small", seed=12, out_dir=tmp_path)
    for name in ("orgs.csv", "users.csv", "demographics.csv", "enrollments.csv"):
        assert (tmp_path / name).read_bytes() != (small / name).read_bytes(), name
    assert (tmp_path / "manifest.csv").read_bytes() == (small / "manifest.csv").read_bytes()


def test_small_is_one_district_of_about_1500_students(small: Path) -> None:
    orgs = _read(small, "orgs.csv")
    assert Counter(orgs["type"]) == {"state": 1, "local": 1, "district": 1, "school": 3}
    roles = _read(small, "roles.csv")
    assert (roles["role"] == "student").sum() == 1_500
    assert len(_read(small, "demographics.csv")) == 1_500
    assert len(_read(small, "academicSessions.csv")) == 3
    assert len(_read(small, "courses.csv")) == 34


def test_summary_counts_match_the_files(tmp_path: Path) -> None:
    calls: list[tuple[str, int, int]] = []
    summary = generate_state(
        "small", seed=3, out_dir=tmp_path, progress=lambda *call: calls.append(call)
    )
    rows = dict(summary.rows)
    for name, count in rows.items():
        assert len(_read(tmp_path, name)) == count, name
    roles = _read(tmp_path, "roles.csv")
    primary = roles[roles["roleType"] == "primary"]
    assert summary.students == (primary["role"] == "student").sum() == 1_500
    assert summary.teachers == (primary["role"] == "teacher").sum()
    assert summary.staff == (primary["role"] != "student").sum()
    assert summary.classes == rows["classes.csv"]
    assert summary.enrollments == rows["enrollments.csv"]
    assert (summary.districts, summary.schools, summary.regions) == (1, 3, 1)
    assert calls[0] == ("districts", 0, 1)
    assert calls[-1] == ("districts", 1, 1)


def test_org_tree_is_state_region_district_school(small: Path) -> None:
    orgs = _read(small, "orgs.csv").set_index("sourcedId")
    parent_type = orgs["parentSourcedId"].map(orgs["type"]).fillna("")
    expected_parent = {"state": "", "local": "state", "district": "local", "school": "district"}
    assert (parent_type == orgs["type"].map(expected_parent)).all()
    located = orgs[orgs["type"].isin(["district", "school"])]
    assert set(located["metadata.locale"]) <= {"city", "suburb", "town", "rural"}
    assert (orgs.loc[orgs["type"].isin(["state", "local"]), "metadata.locale"] == "").all()
    districts = orgs[orgs["type"] == "district"]
    schools = orgs[orgs["type"] == "school"]
    assert districts["identifier"].str.fullmatch(r"\d{7}").all()
    assert schools["identifier"].str.fullmatch(r"\d{12}").all()
    assert (
        schools["identifier"].str[:7] == schools["parentSourcedId"].map(orgs["identifier"])
    ).all()


def test_every_reference_resolves(small: Path) -> None:
    orgs = _read(small, "orgs.csv").set_index("sourcedId")
    users = _read(small, "users.csv").set_index("sourcedId")
    roles = _read(small, "roles.csv")
    classes = _read(small, "classes.csv").set_index("sourcedId")
    courses = _read(small, "courses.csv").set_index("sourcedId")
    sessions = _read(small, "academicSessions.csv").set_index("sourcedId")
    enrollments = _read(small, "enrollments.csv")
    demographics = _read(small, "demographics.csv")

    assert roles["userSourcedId"].isin(users.index).all()
    assert roles["orgSourcedId"].isin(orgs.index).all()
    assert users["primaryOrgSourcedId"].isin(orgs.index).all()
    assert enrollments["classSourcedId"].isin(classes.index).all()
    assert enrollments["userSourcedId"].isin(users.index).all()
    assert (
        enrollments["schoolSourcedId"]
        == enrollments["classSourcedId"].map(classes["schoolSourcedId"])
    ).all()
    assert classes["courseSourcedId"].isin(courses.index).all()
    assert (classes["schoolSourcedId"].map(orgs["type"]) == "school").all()
    assert classes["termSourcedIds"].isin(sessions.index).all()
    assert (courses["orgSourcedId"].map(orgs["type"]) == "district").all()
    assert courses["schoolYearSourcedId"].isin(sessions.index).all()
    students = roles.loc[roles["role"] == "student", "userSourcedId"]
    assert sorted(demographics["sourcedId"]) == sorted(students)
    for table in (users, roles, classes, courses, enrollments, orgs):
        ids = table.index if table.index.name == "sourcedId" else table["sourcedId"]
        assert ids.is_unique


def test_every_student_has_exactly_one_primary_school(small: Path) -> None:
    roles = _read(small, "roles.csv")
    orgs = _read(small, "orgs.csv").set_index("sourcedId")
    students = roles[roles["role"] == "student"]
    assert (students["roleType"] == "primary").all()
    assert students["userSourcedId"].is_unique
    assert (students["orgSourcedId"].map(orgs["type"]) == "school").all()
    users = _read(small, "users.csv").set_index("sourcedId")
    primary_org = users.loc[students["userSourcedId"], "primaryOrgSourcedId"]
    assert (primary_org.to_numpy() == students["orgSourcedId"].to_numpy()).all()


def test_every_class_has_one_primary_teacher(small: Path) -> None:
    enrollments = _read(small, "enrollments.csv")
    roles = _read(small, "roles.csv")
    teachers = enrollments[enrollments["role"] == "teacher"]
    assert (teachers["primary"] == "true").all()
    assert (enrollments.loc[enrollments["role"] == "student", "primary"] == "false").all()
    assert Counter(teachers["classSourcedId"].value_counts()) == {
        1: len(_read(small, "classes.csv"))
    }
    teacher_ids = set(roles.loc[roles["role"] == "teacher", "userSourcedId"])
    assert set(teachers["userSourcedId"]) <= teacher_ids


def test_students_take_one_homeroom_or_four_sections_at_their_school(small: Path) -> None:
    enrollments = _read(small, "enrollments.csv")
    users = _read(small, "users.csv").set_index("sourcedId")
    classes = _read(small, "classes.csv").set_index("sourcedId")
    rows = enrollments[enrollments["role"] == "student"]
    grade = rows["userSourcedId"].map(users["grades"])
    per_student = rows.groupby("userSourcedId").size()
    elementary = users["grades"].isin(["KG", "01", "02", "03", "04", "05"])
    expected = elementary.map({True: 1, False: 4})
    assert (per_student == expected.loc[per_student.index]).all()
    assert len(per_student) == 1_500
    assert (
        rows["schoolSourcedId"] == rows["userSourcedId"].map(users["primaryOrgSourcedId"])
    ).all()
    assert (grade == rows["classSourcedId"].map(classes["grades"])).all()
    class_type = rows["classSourcedId"].map(classes["classType"])
    assert ((class_type == "homeroom") == grade.isin(["KG", "01", "02", "03", "04", "05"])).all()
    scheduled = rows[class_type == "scheduled"]
    subjects = scheduled["classSourcedId"].map(classes["subjects"])
    assert (subjects.groupby(scheduled["userSourcedId"]).nunique() == 4).all()


def test_students_carry_no_contact_details_or_passwords(small: Path) -> None:
    users = _read(small, "users.csv")
    students = users[users["sourcedId"].str.startswith("stu-")]
    for column in ("email", "sms", "phone", "password"):
        assert (students[column] == "").all(), column
    staff = users[users["sourcedId"].str.startswith("stf-")]
    assert staff["email"].str.endswith(".example").all()
    assert (users["password"] == "").all()


def test_demographic_values_are_oneroster_enumerations(small: Path) -> None:
    demographics = _read(small, "demographics.csv")
    assert set(demographics["sex"]) == {"female", "male"}
    flags = [c for c in demographics.columns[5:] if c not in _BLANK_DEMOGRAPHICS]
    for column in flags:
        assert set(demographics[column]) <= {"true", "false"}, column
    for column in _BLANK_DEMOGRAPHICS:
        assert (demographics[column] == "").all(), column
    assert demographics["birthDate"].str.fullmatch(r"\d{4}-\d{2}-\d{2}").all()


_BLANK_DEMOGRAPHICS = (
    "countryOfBirthCode",
    "stateOfBirthAbbreviation",
    "cityOfBirth",
    "publicSchoolResidenceStatus",
)


def test_roles_use_the_oneroster_1_2_vocabulary(small: Path) -> None:
    roles = _read(small, "roles.csv")
    orgs = _read(small, "orgs.csv").set_index("sourcedId")
    org_type = roles["orgSourcedId"].map(orgs["type"])
    where = roles.groupby("role")["orgSourcedId"].apply(lambda ids: set(ids.map(orgs["type"])))
    assert set(roles["role"]) <= {
        "teacher", "aide", "principal", "siteAdministrator", "districtAdministrator", "student",
    }  # fmt: skip
    assert where["districtAdministrator"] == {"district", "local"}
    assert where["principal"] == where["teacher"] == where["aide"] == where["student"] == {"school"}
    principals = roles.loc[roles["role"] == "principal", "orgSourcedId"]
    assert sorted(principals) == sorted(orgs.index[orgs["type"] == "school"])
    assert set(roles["roleType"]) == {"primary", "secondary"}
    assert set(roles.loc[roles["roleType"] == "secondary", "role"]) == {"teacher"}
    assert (org_type[roles["roleType"] == "secondary"] == "school").all()
    assert set(_read(small, "enrollments.csv")["role"]) == {"teacher", "student"}
    assert set(_read(small, "classes.csv")["classType"]) == {"homeroom", "scheduled"}


def _students_by_district(directory: Path) -> pd.DataFrame:
    demographics = _read(directory, "demographics.csv").set_index("sourcedId")
    roles = _read(directory, "roles.csv")
    orgs = _read(directory, "orgs.csv").set_index("sourcedId")
    students = roles[roles["role"] == "student"].set_index("userSourcedId")
    frame = demographics.loc[students.index].copy()
    frame["district"] = students["orgSourcedId"].map(orgs["parentSourcedId"])
    frame["district_locale"] = frame["district"].map(orgs["metadata.locale"])
    return frame


def test_economic_disadvantage_is_higher_in_cities_and_rural_areas_than_suburbs(
    shares: Path,
) -> None:
    students = _students_by_district(shares)
    students["econ"] = _flag(students["metadata.economicallyDisadvantaged"])
    # The typical district of each locale (a few large districts would dominate a pooled rate).
    by_district = students.groupby(["district_locale", "district"])["econ"].mean()
    by_locale = by_district.groupby(level="district_locale").mean()
    assert set(by_locale.index) == {"city", "suburb", "town", "rural"}
    assert by_locale["city"] > by_locale["suburb"] + 0.03
    assert by_locale["rural"] > by_locale["suburb"] + 0.03
    assert 0.35 <= students["econ"].mean() <= 0.55
    spread = by_district.quantile(0.9) - by_district.quantile(0.1)
    assert spread > 0.2  # districts differ, not just locales


@pytest.mark.parametrize(
    ("column", "low", "high"),
    [
        ("metadata.englishLearner", 0.07, 0.14),
        ("metadata.studentWithDisability", 0.12, 0.18),
        ("metadata.homeless", 0.005, 0.05),
        ("metadata.fosterCare", 0.0005, 0.01),
        ("metadata.militaryConnected", 0.003, 0.06),
        ("metadata.migrant", 0.001, 0.02),
    ],
)
def test_subgroup_shares_are_near_national_rates(
    shares: Path, column: str, low: float, high: float
) -> None:
    share = _flag(_read(shares, "demographics.csv")[column]).mean()
    assert low <= share <= high


def test_race_ethnicity_shares_are_near_national_rates(shares: Path) -> None:
    d = _read(shares, "demographics.csv")
    flag = {c: _flag(d[c]) for c in d.columns[5:12]}
    hispanic = flag["hispanicOrLatinoEthnicity"]
    race_count = sum(
        flag[c].astype(int)
        for c in (
            "americanIndianOrAlaskaNative",
            "asian",
            "blackOrAfricanAmerican",
            "nativeHawaiianOrOtherPacificIslander",
            "white",
        )
    )
    two = ~hispanic & (flag["demographicRaceTwoOrMoreRaces"] | (race_count > 1))
    single = ~hispanic & ~two
    assert (race_count[single] == 1).all()
    shares_ = {
        "hispanic": hispanic.mean(),
        "white": (single & flag["white"]).mean(),
        "black": (single & flag["blackOrAfricanAmerican"]).mean(),
        "asian": (single & flag["asian"]).mean(),
        "two": two.mean(),
        "aian": (single & flag["americanIndianOrAlaskaNative"]).mean(),
        "nhpi": (single & flag["nativeHawaiianOrOtherPacificIslander"]).mean(),
    }
    bands = {
        "hispanic": (0.18, 0.38),
        "white": (0.34, 0.56),
        "black": (0.08, 0.22),
        "asian": (0.025, 0.09),
        "two": (0.03, 0.07),
        "aian": (0.002, 0.03),
        "nhpi": (0.001, 0.01),
    }
    for group, (low, high) in bands.items():
        assert low <= shares_[group] <= high, (group, shares_[group])
    assert sum(shares_.values()) == pytest.approx(1.0)


def test_about_one_teacher_per_15_students(shares: Path) -> None:
    roles = _read(shares, "roles.csv")
    primary = roles[roles["roleType"] == "primary"]
    ratio = (primary["role"] == "student").sum() / (primary["role"] == "teacher").sum()
    assert 13 <= ratio <= 17
    principals = primary.loc[primary["role"] == "principal", "orgSourcedId"]
    orgs = _read(shares, "orgs.csv").set_index("sourcedId")
    assert sorted(principals) == sorted(orgs.index[orgs["type"] == "school"])


def test_district_sizes_are_skewed(shares: Path) -> None:
    roles = _read(shares, "roles.csv")
    orgs = _read(shares, "orgs.csv").set_index("sourcedId")
    students = roles[roles["role"] == "student"]
    per_district = students["orgSourcedId"].map(orgs["parentSourcedId"]).value_counts()
    assert len(per_district) == 60
    assert per_district.max() > 5 * per_district.median()
    locale = per_district.index.map(orgs["metadata.locale"])
    median_by_locale = per_district.groupby(locale).median()
    assert median_by_locale["city"] > median_by_locale["suburb"] > median_by_locale["rural"]


def test_state_plan_has_the_size_of_a_state() -> None:
    plan = build_plan(SIZES["state"], seed=1)
    assert plan.n_districts == 1_200
    assert plan.n_students == 5_500_000
    assert 8_500 <= plan.n_schools <= 9_500
    assert 13 <= plan.n_students / plan.school_teachers.sum() <= 17
    assert 380_000 <= plan.n_staff <= 440_000
    assert 14_000_000 <= plan.n_enrollments <= 16_000_000
    assert plan.size.regions == 20


def test_medium_plan_has_about_50_districts_and_60000_students() -> None:
    plan = build_plan(SIZES["medium"], seed=1)
    assert (plan.n_districts, plan.n_students) == (50, 60_000)


def test_unknown_size_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown size 'huge'"):
        generate_state("huge", seed=1, out_dir=tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_cli_writes_the_state_and_prints_counts(tmp_path: Path) -> None:
    out = tmp_path / "state"
    result = CliRunner().invoke(app, ["synth", "--size", "small", "--seed", "4", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == sorted([*FILES, XAPI_FILE])  # the teachers' xAPI beside it
    assert "Students" in result.output
    assert "1,500" in result.output
    reference = tmp_path / "reference"
    generate_state("small", seed=4, out_dir=reference)
    assert (out / "users.csv").read_bytes() == (reference / "users.csv").read_bytes()


def test_cli_refuses_an_unknown_size(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["synth", "--size", "huge", "--out", str(tmp_path / "x")])
    assert result.exit_code == 2
    assert "unknown size 'huge'" in result.output
    assert not (tmp_path / "x").exists()


def test_cli_refuses_a_non_empty_directory_unless_forced(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("keep me")
    result = CliRunner().invoke(app, ["synth", "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert "not empty" in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]

    result = CliRunner().invoke(app, ["synth", "--out", str(tmp_path), "--force"])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([*FILES, XAPI_FILE, "notes.txt"])
    assert (tmp_path / "notes.txt").read_text() == "keep me"


def test_synth_sizes_are_described() -> None:
    assert list(SIZES) == ["small", "medium", "state"]
    assert all(isinstance(size, SynthSize) and size.description for size in SIZES.values())


def test_rows_are_plain_unquoted_csv(small: Path) -> None:
    for name in FILES:
        with (small / name).open(encoding="utf-8", newline="") as handle:
            text = handle.read()
        assert '"' not in text, name
        rows = list(csv.reader(text.splitlines()))
        assert len({len(row) for row in rows}) == 1, name
