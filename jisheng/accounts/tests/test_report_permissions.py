"""Who fills and who reviews the report of an area, decided in accounts.permissions like every other
permission: staff of the area fill it, staff of the area above review it, the city reviews its own."""

from __future__ import annotations

from typing import Any

from jisheng.accounts import permissions
from jisheng.areas.models import Level


def test_the_levels_the_permissions_module_names_are_those_of_the_area_tree() -> None:
    assert (permissions.CITY_LEVEL, permissions.COUNTY_LEVEL) == (Level.CITY, Level.COUNTY)
    assert (permissions.TOWNSHIP_LEVEL, permissions.VILLAGE_LEVEL) == (Level.TOWNSHIP, Level.VILLAGE)


def test_a_village_report_is_filled_by_its_officer_and_reviewed_by_the_township(
    areas: dict[str, Any], make_user: Any
) -> None:
    village, township = areas["village_a"], areas["township_a"]
    officer = make_user(village, "village_officer")
    clerk = make_user(township, "counter_clerk")
    other_clerk = make_user(areas["township_b"], "counter_clerk")

    assert permissions.may_fill_report(officer, village.code, Level.VILLAGE)
    assert not permissions.may_review_report(officer, village.code, Level.VILLAGE)
    assert permissions.may_review_report(clerk, village.code, Level.VILLAGE)
    assert not permissions.may_fill_report(clerk, village.code, Level.VILLAGE)
    assert not permissions.may_review_report(other_clerk, village.code, Level.VILLAGE)


def test_the_city_reviews_its_own_report(areas: dict[str, Any], make_user: Any) -> None:
    city = areas["city"]
    assert permissions.report_reviewer_area(city.code, Level.CITY) == (city.code, Level.CITY)
    assert permissions.report_reviewer_area(areas["county"].code, Level.COUNTY) == (city.code, Level.CITY)
