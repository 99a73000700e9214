import pytest

from trellis.interop import subgroups
from trellis.interop.subgroups import label, race_ethnicity_code

NONE = dict(
    hispanic_latino=None,
    american_indian_alaska_native=None,
    asian=None,
    black_african_american=None,
    native_hawaiian_pacific_islander=None,
    white=None,
    two_or_more_races=None,
)


@pytest.mark.parametrize(
    ("flags", "code"),
    [
        ({}, None),
        ({"white": False, "asian": False}, None),
        ({"hispanic_latino": True}, "HI7"),
        ({"hispanic_latino": True, "white": True, "asian": True}, "HI7"),
        ({"hispanic_latino": True, "two_or_more_races": True}, "HI7"),
        ({"two_or_more_races": True}, "MU7"),
        ({"black_african_american": True, "white": True}, "MU7"),
        ({"hispanic_latino": False, "asian": True}, "AS7"),
        ({"american_indian_alaska_native": True}, "AM7"),
        ({"black_african_american": True}, "BL7"),
        ({"native_hawaiian_pacific_islander": True}, "PI7"),
        ({"white": True, "two_or_more_races": False}, "WH7"),
    ],
)
def test_race_ethnicity_code_follows_the_federal_order(flags, code):
    assert race_ethnicity_code(**{**NONE, **flags}) == code


def test_every_code_has_english_and_spanish_labels():
    assert list(subgroups.RACE_ETHNICITY) == ["HI7", "AM7", "AS7", "BL7", "PI7", "WH7", "MU7"]
    assert label("race_ethnicity", "HI7") == "Hispanic or Latino"
    assert label("race_ethnicity", "MU7", "es") == "Dos o más razas"
    assert label("sex", "X") == "Another sex or gender"
    assert label("english_learner", True, "es") == "Sí"
    assert label("migrant", False) == "No"
    assert label("disability", None) == "Not reported"
    assert all(lab.en and lab.es for lab in subgroups.SUBGROUP_COLUMNS.values())
    assert set(subgroups.PROGRAM_FLAG_COLUMNS) < set(subgroups.SUBGROUP_COLUMNS)


def test_an_unknown_column_has_no_label():
    with pytest.raises(KeyError):
        label("shoe_size", 9)
