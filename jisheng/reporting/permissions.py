"""Who may fill, submit, review and unlock a report: decided by the user's area and capabilities.

A report is filled by staff of its own area and reviewed (approved, returned, unlocked) by staff of the
area one level up; the city's own report, at the top of the deployment, is approved by the city — by
another person than the one who compiled it (the four-eyes rule of ``jisheng.accounts.permissions``).
"""

from __future__ import annotations

from typing import Any

from jisheng.accounts import permissions as four_eyes
from jisheng.accounts.permissions import Capability
from jisheng.areas.codes import parent_code_of
from jisheng.areas.models import Level
from jisheng.core.actor import is_staff

# Who reports for an area of each level (the roles are in ``accounts.permissions.GRANTS``).
CAPABILITY_BY_LEVEL: dict[int, Capability] = {
    Level.VILLAGE: Capability.REPORT_FOR_VILLAGE,
    Level.TOWNSHIP: Capability.REPORT_FOR_TOWNSHIP,
    Level.COUNTY: Capability.REPORT_FOR_COUNTY,
    Level.CITY: Capability.REPORT_FOR_CITY,
}


def reports_for_level(user: Any, level: int) -> bool:
    """Whether ``user`` holds the capability of reporting for an area of ``level`` (staff only)."""
    capability = CAPABILITY_BY_LEVEL.get(level)
    return capability is not None and is_staff(user) and four_eyes.holds(user, capability)


def _acts_for(user: Any, area_code: str, level: int) -> bool:
    return reports_for_level(user, level) and user.area_id == area_code


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


# Four eyes (双人复核): the steps of a report and the audit actions that take them. Whoever took an
# earlier step (typed or compiled the figures, submitted them) cannot take the approval.
COMPILE_ACTIONS = ("reporting.open", "reporting.save", "reporting.compile", "reporting.recompile")


def earlier_steps(user: Any, report: Any) -> dict[str, Any]:
    """The report's earlier steps for the shared four-eyes rule: {step: the user who took it}.

    Several people may have typed figures into one report; the rule compares one user per step, so
    "compile" names ``user`` when ``user`` is among them (and nobody otherwise).
    """
    from jisheng.audit.models import AuditEvent

    compiled_by_user = (
        report.pk is not None
        and getattr(user, "pk", None) is not None
        and AuditEvent.objects.filter(
            object_type="reporting.report",
            object_id=str(report.pk),
            action__in=COMPILE_ACTIONS,
            actor_id=user.pk,
        ).exists()
    )
    return {"compile": user if compiled_by_user else None, "submit": report.submitted_by}


def may_approve(user: Any, report: Any) -> bool:
    """Whether the page offers the approval to ``user`` (the service decides again)."""
    return can_review(user, report.area_id, report.level) and four_eyes.may_take(
        user, earlier=earlier_steps(user, report)
    )


def ensure_not_own(user: Any, report: Any) -> None:
    """Refuse the approval to whoever compiled or submitted the report, with the shared wording."""
    four_eyes.ensure_different_person(user, step="approve", earlier=earlier_steps(user, report))
