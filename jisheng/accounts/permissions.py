"""The four-eyes rule (双人复核): one person never takes two steps of the same approval.

A multi-step approval (a benefit batch: propose → review → approve → pay; a report: compile → verify →
approve) names its steps; a service about to record ``step`` passes the users who took the earlier
steps it must be kept apart from, and the rule refuses when the actor is one of them. The rule lives
here, below every domain app, so benefits and reporting apply the same test with the same wording.

Pure functions: no database access beyond comparing primary keys, so they can be called inside a
service's transaction or by a page deciding whether to offer a button.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import PermissionDenied

# Chinese names of the steps, for the refusal; a step not listed here is shown as given, so a caller
# may pass its own Chinese label instead of a key.
STEP_LABELS: dict[str, str] = {
    "propose": "提出",
    "review": "初审",
    "approve": "审批",
    "pay": "登记发放结果",
    "issue": "生成银行代发文件",
    "compile": "编制",
    "submit": "上报",
    "verify": "审核",
}


def step_label(step: str) -> str:
    return STEP_LABELS.get(step, step)


def _pk(user: Any) -> Any:
    """The identity compared: the primary key of a signed-in user, None for the system or nobody."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return getattr(user, "pk", None)


def conflicting_step(actor: Any, *, earlier: Mapping[str, Any | None]) -> str | None:
    """The first of ``earlier``'s steps that ``actor`` took, or None when the actor took none of them.

    ``earlier`` maps a step name to the user who took it (None when nobody has, or the system did).
    The system acting (``actor`` None: the demo or a command) is never refused.
    """
    me = _pk(actor)
    if me is None:
        return None
    for step, user in earlier.items():
        if _pk(user) == me:
            return step
    return None


def may_take(actor: Any, *, earlier: Mapping[str, Any | None]) -> bool:
    """Whether a page should offer the step to ``actor``."""
    return conflicting_step(actor, earlier=earlier) is None


def ensure_different_person(actor: Any, *, step: str, earlier: Mapping[str, Any | None]) -> None:
    """Refuse ``step`` to an actor who took one of the ``earlier`` steps, with a Chinese reason.

    >>> ensure_different_person(county, step="approve", earlier={"propose": batch.created_by,
    ...                                                         "review": batch.reviewed_by})
    """
    taken = conflicting_step(actor, earlier=earlier)
    if taken is not None:
        raise PermissionDenied(
            f"双人复核：您已{step_label(taken)}此事项，不能再{step_label(step)}，请由其他工作人员办理"
        )
