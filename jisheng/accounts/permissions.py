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
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

# The steps' names, for the refusal (in Chinese: 提出、初审、审批…); a step not listed here is shown as
# given.
STEP_LABELS: dict[str, Promise] = {
    "propose": pgettext_lazy("four eyes step", "propose"),
    "review": pgettext_lazy("four eyes step", "review"),
    "approve": pgettext_lazy("four eyes step", "approve"),
    "pay": pgettext_lazy("four eyes step", "record the payment results"),
    "issue": pgettext_lazy("four eyes step", "make the bank file"),
    "compile": pgettext_lazy("four eyes step", "compile"),
    "submit": pgettext_lazy("four eyes step", "submit"),
    "verify": pgettext_lazy("four eyes step", "verify"),
    "request_revocation": pgettext_lazy("four eyes step", "request revocation"),
}


def step_label(step: str) -> str:
    return str(STEP_LABELS.get(step, step))


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
    """Refuse ``step`` to an actor who took one of the ``earlier`` steps, with a reason in the user's language.

    >>> ensure_different_person(county, step="approve", earlier={"propose": batch.created_by,
    ...                                                         "review": batch.reviewed_by})
    """
    taken = conflicting_step(actor, earlier=earlier)
    if taken is not None:
        raise PermissionDenied(
            _("Four eyes: you did “%(taken)s” on this, so you may not “%(step)s” it; a colleague must.")
            % {"taken": step_label(taken), "step": step_label(step)}
        )
