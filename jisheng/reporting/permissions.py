"""Who may fill, submit, review and unlock a report: decided by the user's area and roles.

A report is filled by staff of its own area and reviewed (approved, returned, unlocked) by staff of the
area one level up; the city's own report, at the top of the deployment, is approved by the city.
"""

from __future__ import annotations

from typing import Any

from jisheng.accounts.roles import RoleCode
from jisheng.areas.codes import parent_code_of
from jisheng.areas.models import Level

ROLES_BY_LEVEL: dict[int, tuple[str, ...]] = {
    Level.VILLAGE: (RoleCode.VILLAGE_OFFICER,),
    Level.TOWNSHIP: (RoleCode.COUNTER_CLERK, RoleCode.TOWNSHIP_HEAD),
    Level.COUNTY: (RoleCode.COUNTY_STAFF,),
    Level.CITY: (RoleCode.CITY_STAFF,),
}
ALL_REPORTING_ROLES = sorted({str(role) for roles in ROLES_BY_LEVEL.values() for role in roles})


def _acts_for(user: Any, area_code: str, level: int) -> bool:
    if not getattr(user, "is_authenticated", False) or user.is_read_only:
        return False
    return user.area_id == area_code and user.has_role(*ROLES_BY_LEVEL.get(level, ()))


def can_fill(user: Any, area_code: str, level: int) -> bool:
    """Open, edit, compile and submit the report of this area."""
    return _acts_for(user, area_code, level)


def reviewer_area_of(area_code: str, level: int) -> tuple[str, int]:
    if level <= Level.CITY:
        return area_code, level
    parent = parent_code_of(area_code)
    assert parent is not None
    return parent, level - 1


def can_review(user: Any, area_code: str, level: int) -> bool:
    """Approve, return and unlock the report of this area: the level above."""
    reviewer_code, reviewer_level = reviewer_area_of(area_code, level)
    return _acts_for(user, reviewer_code, reviewer_level)
