"""Both unit rules on the issue's table of cases (issue 18: 7/8/22/23 minutes, two codes at
7 + 7, 33 + 7), checked against the CMS 8-minute rule's own examples."""

from __future__ import annotations

import pytest

from billing.units import CMS, PER_CODE, cms_units, per_code_units, units, units_for_minutes


@pytest.mark.parametrize(
    "minutes,expected",
    [(0, 0), (7, 0), (8, 1), (22, 1), (23, 2), (37, 2), (38, 3), (52, 3), (53, 4), (67, 4)],
)
def test_a_span_of_minutes_gives_units_by_the_eight_minute_threshold(minutes, expected):
    assert units_for_minutes(minutes) == expected


@pytest.mark.parametrize(
    "minutes,cms,per_code",
    [
        # One code: both rules agree.
        ({"97124": 7}, {"97124": 0}, {"97124": 0}),
        ({"97124": 8}, {"97124": 1}, {"97124": 1}),
        ({"97124": 22}, {"97124": 1}, {"97124": 1}),
        ({"97124": 23}, {"97124": 2}, {"97124": 2}),
        # 7 + 7: 14 minutes in all is one unit under CMS (to the first listed on a tie);
        # each code alone has under 8 minutes, so none per code.
        ({"97140": 7, "97124": 7}, {"97140": 1, "97124": 0}, {"97140": 0, "97124": 0}),
        # CMS's own example: 33 minutes of one code and 7 of another, 40 in all -> 3 units;
        # the first gets its 2 full units, the third goes to the code with most minutes left
        # (7 against 3).
        ({"97140": 33, "97124": 7}, {"97140": 2, "97124": 1}, {"97140": 2, "97124": 0}),
        # 24 + 23 = 47 -> 3 units: one full unit each, the third to the 9 minutes left of 24.
        ({"97140": 24, "97124": 23}, {"97140": 2, "97124": 1}, {"97140": 2, "97124": 2}),
        # Three codes, 20 + 10 + 8 = 38 -> 3: a full unit to the first, then the most left.
        (
            {"97124": 20, "97140": 10, "97112": 8},
            {"97124": 1, "97140": 1, "97112": 1},
            {"97124": 1, "97140": 1, "97112": 1},
        ),
        # 5 + 5 + 5 = 15 -> 1 unit under CMS (the first listed), none per code.
        (
            {"97124": 5, "97140": 5, "97112": 5},
            {"97124": 1, "97140": 0, "97112": 0},
            {"97124": 0, "97140": 0, "97112": 0},
        ),
    ],
)
def test_the_two_rules_on_the_table_of_cases(minutes, cms, per_code):
    assert cms_units(minutes) == cms == units(minutes, rule=CMS)
    assert per_code_units(minutes) == per_code == units(minutes, rule=PER_CODE)
    assert sum(cms.values()) == units_for_minutes(sum(minutes.values()))


def test_bad_input_is_refused_with_what_is_wrong():
    with pytest.raises(ValueError, match="97124: minutes cannot be negative"):
        cms_units({"97124": -1})
    with pytest.raises(ValueError, match="unknown unit rule 'medicare'"):
        units({"97124": 10}, rule="medicare")
